import { createServer } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { DevServerError, startDevServer } from '../src/index.js'

const portIsFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(false))
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
  })

const tcpResources = (): number =>
  process.getActiveResourcesInfo().filter((name) => name.startsWith('TCP')).length

describe('options validation', () => {
  it.each([
    [{ prot: 4000 }, 'prot'],
    [{ port: -1 }, 'port'],
    [{ port: 1.5 }, 'port'],
    [{ port: '4000' }, 'port'],
    [{ host: '0.0.0.0' }, 'host'],
    [{ host: 'example.com' }, 'host'],
    [{ ttl: { accessToken: 0 } }, 'ttl.accessToken'],
    [{ ttl: { accesToken: 5 } }, 'ttl.accesToken'],
    [{ ttl: { refreshToken: 1.5 } }, 'ttl.refreshToken'],
    [{ redirectUris: [] }, 'redirectUris'],
    [{ redirectUris: ['/callback'] }, 'redirectUris'],
    [{ corsOrigins: ['http://a.test/path'] }, 'corsOrigins'],
    [{ users: [] }, 'users'],
    [{ users: [{ username: 'x' }] }, 'users[0]'],
    [{ jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b' }] } }, 'jwks'],
    [{ deviceInterval: -1 }, 'deviceInterval'],
    [{ dpopNonce: 'yes' }, 'dpopNonce'],
    [{ clients: { spa: 'nope' } }, 'clients.spa'],
    [{ requirePkce: 'sometimes' }, 'requirePkce'],
    [{ requirePkce: true }, 'requirePkce'],
  ])('%j → TypeError ERR_INVALID_ARG_VALUE naming %s', async (options, name) => {
    const error = await startDevServer(options as never).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(TypeError)
    expect(error).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' })
    expect((error as Error).message).toContain(`"${name}"`)
  })

  it('rejects a non-object with ERR_INVALID_ARG_TYPE', async () => {
    await expect(startDevServer('x' as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    })
  })

  it('client metadata oidc-provider refuses fails at start, not at first use', async () => {
    const error = await startDevServer({
      clients: { broken: { token_endpoint_auth_method: 'nope' } },
    }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(DevServerError)
    expect(error).toMatchObject({ code: 'ERR_INVALID_CLIENT_METADATA' })
    expect((error as Error).message).toContain('"broken"')
  })
})

describe('lifecycle', () => {
  it('a taken port is a DevServerError ERR_PORT_IN_USE', async () => {
    const first = await startDevServer()
    try {
      const error = await startDevServer({ port: first.port }).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(DevServerError)
      expect(error).toMatchObject({ code: 'ERR_PORT_IN_USE' })
      expect((error as Error).message).toBe(`port ${first.port} on 127.0.0.1 is already in use`)
      expect((error as Error & { cause: { code: string } }).cause.code).toBe('EADDRINUSE')
    } finally {
      await first.close()
    }
  })

  it('listens on the requested port and frees it on close', async () => {
    const probe = await startDevServer()
    const port = probe.port
    await probe.close()
    const server = await startDevServer({ port })
    expect(server.issuer).toBe(`http://127.0.0.1:${port}`)
    await server.close()
    await server.close() // idempotent
    expect(await portIsFree(port)).toBe(true)
  })

  it('starts and closes 20 servers in a row without leaking handles or sockets', async () => {
    const before = tcpResources()
    const ports: number[] = []
    for (let index = 0; index < 20; index++) {
      const server = await startDevServer()
      ports.push(server.port)
      // Leave a keep-alive connection open: close() must drop it.
      const response = await fetch(server.discoveryUrl)
      expect(response.status).toBe(200)
      await response.json()
      await server.close()
    }
    // Client-side sockets close asynchronously once the server has dropped them.
    await vi.waitFor(() => expect(tcpResources()).toBeLessThanOrEqual(before), {
      timeout: 2000,
    })
    for (const port of ports) expect(await portIsFree(port)).toBe(true)
    // What is checked is leaks, not speed: 20 RSA key generations take far longer than the 15 s
    // unit default when the whole suite (runtimes and browsers included) shares two cores.
  }, 120_000)

  it('refuses headless helpers after close with ERR_SERVER_CLOSED', async () => {
    const server = await startDevServer()
    await server.close()
    await expect(server.login(`${server.issuer}/auth`)).rejects.toMatchObject({
      code: 'ERR_SERVER_CLOSED',
    })
  })
})

describe('configuration', () => {
  afterEach(() => vi.restoreAllMocks())

  it('uses given users, redirect URIs and an EC-only JWKS (ES256 tokens)', async () => {
    const { generateKeyPairSync } = await import('node:crypto')
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      format: 'jwk',
    })
    const server = await startDevServer({
      users: [{ username: 'dora', password: 'pw', claims: { name: 'Dora' } }],
      redirectUris: ['http://127.0.0.1:9999/cb'],
      jwks: { keys: [{ ...key, kid: 'mine' }] },
    })
    try {
      expect(server.users).toEqual([
        {
          username: 'dora',
          password: 'pw',
          sub: 'user-dora',
          claims: { name: 'Dora', sub: 'user-dora' },
        },
      ])
      expect(server.clients.spa?.redirectUris).toEqual(['http://127.0.0.1:9999/cb'])
      expect(server.clients.web?.postLogoutRedirectUris).toEqual(['http://127.0.0.1:9999/'])
      expect(server.clients.implicit?.redirectUris).toEqual(['http://127.0.0.1:9999/cb'])
      expect(server.jwks.keys).toHaveLength(1)
      expect(server.jwks.keys[0]).not.toHaveProperty('d')
      const jwks = (await (await fetch(`${server.issuer}/jwks`)).json()) as {
        keys: { kid: string }[]
      }
      expect(jwks.keys.map((item) => item.kid)).toEqual(['mine'])
    } finally {
      await server.close()
    }
  })

  it('merges client overrides and adds new clients', async () => {
    const server = await startDevServer({
      clients: {
        spa: { redirect_uris: ['http://127.0.0.1:4321/callback'] },
        extra: {
          client_secret: 'extra-secret',
          grant_types: ['client_credentials'],
          response_types: [],
        },
      },
    })
    try {
      expect(server.clients.spa).toMatchObject({
        redirectUris: ['http://127.0.0.1:4321/callback'],
        tokenEndpointAuthMethod: 'none',
      })
      expect(server.clients.extra).toMatchObject({
        clientId: 'extra',
        clientSecret: 'extra-secret',
        grantTypes: ['client_credentials'],
      })
      const discovery = (await (await fetch(server.discoveryUrl)).json()) as Record<string, unknown>
      expect(discovery).toMatchObject({
        issuer: server.issuer,
        authorization_response_iss_parameter_supported: true,
        code_challenge_methods_supported: ['S256'],
      })
      for (const grant of [
        'authorization_code',
        'refresh_token',
        'client_credentials',
        'urn:ietf:params:oauth:grant-type:device_code',
        'implicit',
        'password',
      ]) {
        expect(discovery.grant_types_supported).toContain(grant)
      }
      for (const endpoint of [
        'introspection_endpoint',
        'revocation_endpoint',
        'device_authorization_endpoint',
        'pushed_authorization_request_endpoint',
        'end_session_endpoint',
        'userinfo_endpoint',
      ]) {
        expect(discovery[endpoint]).toEqual(expect.stringContaining(server.issuer))
      }
      expect(discovery.response_types_supported).toContain('id_token token')
      expect(discovery.response_types_supported).not.toContain('token')
    } finally {
      await server.close()
    }
  })

  it('quiet filters oidc-provider console lines only while running', async () => {
    const warn = vi.fn()
    const original = console.warn
    console.warn = warn
    try {
      const server = await startDevServer()
      console.warn('oidc-provider WARNING: noise')
      console.warn('a real warning')
      await server.close()
      console.warn('oidc-provider WARNING: after close')
      expect(warn.mock.calls).toEqual([['a real warning'], ['oidc-provider WARNING: after close']])
    } finally {
      console.warn = original
    }
  })

  it('collects provider errors with their hidden detail', async () => {
    const server = await startDevServer()
    try {
      const response = await fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=refresh_token&client_id=spa&refresh_token=unknown',
      })
      expect(response.status).toBe(400)
      expect(server.errors()).toEqual([
        expect.objectContaining({
          event: 'grant.error',
          error: 'invalid_grant',
          detail: expect.stringContaining('not found'),
          path: '/token',
        }),
      ])
    } finally {
      await server.close()
    }
  })
})

describe('onRequest', () => {
  afterEach(() => vi.restoreAllMocks())

  it('a throwing or rejecting onRequest is recorded in errors(), not thrown', async () => {
    const server = await startDevServer({
      onRequest: (request) => {
        if (request.endpoint === 'jwks') return Promise.reject(new Error('async boom'))
        throw new RangeError('boom')
      },
    })
    try {
      expect((await fetch(server.discoveryUrl)).status).toBe(200)
      expect((await fetch(`${server.issuer}/jwks`)).status).toBe(200)
      // The server still answers after both failures.
      expect((await fetch(server.discoveryUrl)).status).toBe(200)
      await vi.waitFor(() => expect(server.errors()).toHaveLength(3))
      expect(server.errors()).toEqual([
        {
          event: 'onRequest.error',
          error: 'RangeError',
          detail: 'boom',
          path: '/.well-known/openid-configuration',
          at: expect.any(Number),
        },
        expect.objectContaining({ event: 'onRequest.error', error: 'Error', path: '/jwks' }),
        expect.objectContaining({ event: 'onRequest.error', error: 'RangeError' }),
      ])
      expect(server.errors()[1]?.detail).toBe('async boom')
      // Counting is unaffected.
      expect(server.stats().endpoints).toEqual({ discovery: 2, jwks: 1 })
    } finally {
      await server.close()
    }
  })

  it('under debug a failing onRequest is printed to stderr', async () => {
    const lines: string[] = []
    const write = process.stderr.write.bind(process.stderr)
    vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: string, ...rest: never[]) => {
      if (String(chunk).startsWith('[oauthkit-devserver]')) {
        lines.push(String(chunk))
        return true
      }
      return write(chunk, ...rest)
    }) as typeof process.stderr.write)
    const server = await startDevServer({
      debug: true,
      onRequest: () => {
        throw new Error('boom')
      },
    })
    try {
      await fetch(server.discoveryUrl)
      await vi.waitFor(() => expect(lines).toHaveLength(1))
      expect(lines[0]).toBe(
        '[oauthkit-devserver] onRequest.error Error: boom (/.well-known/openid-configuration)\n',
      )
    } finally {
      await server.close()
    }
  })
})

describe('requirePkce', () => {
  it('describes confidential code clients as PKCE-optional only in public-clients mode', async () => {
    const strict = await startDevServer()
    const relaxed = await startDevServer({ requirePkce: 'public-clients' })
    try {
      for (const id of ['web', 'web-jwt', 'spa', 'service']) {
        expect(strict.clients[id]?.description).not.toContain('PKCE optional')
      }
      expect(relaxed.clients.web?.description).toContain('(PKCE optional)')
      expect(relaxed.clients['web-jwt']?.description).toContain('(PKCE optional)')
      expect(relaxed.clients.spa?.description).not.toContain('PKCE optional')
      expect(relaxed.clients.service?.description).not.toContain('PKCE optional')
    } finally {
      await Promise.all([strict.close(), relaxed.close()])
    }
  })
})

describe('mintAccessToken options', () => {
  let server: Awaited<ReturnType<typeof startDevServer>>
  beforeAll(async () => {
    server = await startDevServer()
  })
  afterAll(() => server.close())

  it.each([
    [{}, 'ttl'],
    [{ ttl: 1.5 }, 'ttl'],
    [{ ttl: '60' }, 'ttl'],
    [{ ttl: 60, clientId: '' }, 'clientId'],
    [{ ttl: 60, clientId: 'nobody' }, 'clientId'],
    [{ ttl: 60, sub: 42 }, 'sub'],
    [{ ttl: 60, scope: 'api:read  api:write' }, 'scope'],
    [{ ttl: 60, resource: 'not a uri' }, 'resource'],
    [{ ttl: 60, resource: 'https://api.test/#x' }, 'resource'],
    [{ ttl: 60, encrypt: { alg: 'RSA-OAEP-256' } }, 'encrypt'],
    [{ ttl: 60, expiresIn: 60 }, 'expiresIn'],
  ])('%j → TypeError ERR_INVALID_ARG_VALUE naming %s', async (options, name) => {
    const error = await server.mintAccessToken(options as never).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(TypeError)
    expect(error).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' })
    expect((error as Error).message).toContain(`"${name}"`)
  })

  it('is refused after close with ERR_SERVER_CLOSED', async () => {
    const closed = await startDevServer()
    await closed.close()
    await expect(closed.mintAccessToken({ ttl: 60 })).rejects.toMatchObject({
      code: 'ERR_SERVER_CLOSED',
    })
  })
})
