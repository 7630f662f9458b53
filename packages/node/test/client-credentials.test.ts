import { inspect } from 'node:util'
import {
  createMemoryTokenStore,
  createServerClient,
  isOAuthKitError,
  OAuthResponseError,
  type ServerClientOptions,
  type TokenSet,
  type TokenStore,
} from '@oauthkit/node'
import { exportJWK, generateKeyPair, jwtVerify } from 'jose'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  fakeAuthorizationServer,
  issuer,
  type TokenHandler,
  tokenResponse,
} from './fake-authorization-server.js'

const secret = 'service-secret-do-not-leak'

function setup(handler?: TokenHandler, options?: Partial<ServerClientOptions>) {
  const server = fakeAuthorizationServer(handler)
  const client = createServerClient({
    issuer,
    clientId: 'service',
    clientSecret: secret,
    fetch: server.fetch,
    ...options,
  })
  return { server, client }
}

// Lets background renewals settle.
const settle = () => new Promise((resolve) => setTimeout(resolve, 10))

afterEach(() => {
  vi.useRealTimers()
})

describe('clientCredentials()', () => {
  it('does no I/O when the client is created, and discovers once on first use', async () => {
    const { server, client } = setup()
    expect(server.state.discoveries).toBe(0)
    await client.clientCredentials()
    await client.clientCredentials({ scope: 'a' })
    expect(server.state.discoveries).toBe(1)
  })

  it('answers 1,000 concurrent callers with exactly one token request', async () => {
    const { server, client } = setup()
    const tokens = await Promise.all(
      Array.from({ length: 1000 }, () => client.clientCredentials({ scope: 'read' })),
    )
    expect(server.state.tokenRequests).toHaveLength(1)
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1)
    expect(tokens[0]).toMatchObject({ tokenType: 'Bearer', expiresAt: expect.any(Number) })
  })

  it('caches per (scope, resource): scope order does not matter, resource does', async () => {
    const { server, client } = setup()
    const a = await client.clientCredentials({ scope: 'read write' })
    const b = await client.clientCredentials({ scope: 'write  read' })
    expect(b.accessToken).toBe(a.accessToken)
    await client.clientCredentials({ scope: 'read' })
    await client.clientCredentials({ scope: 'read', resource: 'https://api.example.com' })
    await client.clientCredentials({ scope: 'read', resource: ['https://api.example.com'] })
    await client.clientCredentials()
    expect(server.state.tokenRequests).toHaveLength(4)
    const sent = server.state.tokenRequests[2]?.body
    expect(sent?.get('grant_type')).toBe('client_credentials')
    expect(sent?.get('resource')).toBe('https://api.example.com')
  })

  it('keeps separate caches for separate clients sharing a store', async () => {
    const store = createMemoryTokenStore()
    const server = fakeAuthorizationServer()
    const make = (clientId: string) =>
      createServerClient({
        issuer,
        clientId,
        clientSecret: secret,
        fetch: server.fetch,
        tokenCache: { store },
      })
    const a = await make('one').clientCredentials()
    const b = await make('two').clientCredentials()
    expect(a.accessToken).not.toBe(b.accessToken)
    expect(server.state.tokenRequests).toHaveLength(2)
    // A second client object for the same client id shares the stored token.
    await make('one').clientCredentials()
    expect(server.state.tokenRequests).toHaveLength(2)
  })

  it('renews ahead of expiry in the background, serving the valid token meanwhile', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { server, client } = setup(undefined, { tokenCache: { skew: 60 } })
    const first = await client.clientCredentials()
    vi.advanceTimersByTime(239_000)
    expect((await client.clientCredentials()).accessToken).toBe(first.accessToken)
    expect(server.state.tokenRequests).toHaveLength(1)
    vi.advanceTimersByTime(2_000) // 59 s left: inside the skew
    const during = await Promise.all(Array.from({ length: 100 }, () => client.clientCredentials()))
    for (const token of during) expect(token.accessToken).toBe(first.accessToken)
    await settle()
    expect(server.state.tokenRequests).toHaveLength(2)
    const renewed = await client.clientCredentials()
    expect(renewed.accessToken).not.toBe(first.accessToken)
  })

  it('after expiry, 1,000 more concurrent callers cause exactly one more request', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { server, client } = setup(() => tokenResponse({ expires_in: 30 }), {
      tokenCache: { skew: 0 },
    })
    await Promise.all(Array.from({ length: 1000 }, () => client.clientCredentials()))
    vi.advanceTimersByTime(31_000)
    await Promise.all(Array.from({ length: 1000 }, () => client.clientCredentials()))
    expect(server.state.tokenRequests).toHaveLength(2)
  })

  it('delivers a failure to every waiter and tries again on the next call', async () => {
    const { server, client } = setup((_, n) =>
      n === 1 ? new Response('bad gateway', { status: 502 }) : tokenResponse(),
    )
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, () => client.clientCredentials()),
    )
    expect(results.every((r) => r.status === 'rejected')).toBe(true)
    const reasons = new Set(results.map((r) => (r as PromiseRejectedResult).reason))
    expect(reasons.size).toBe(1)
    expect(server.state.tokenRequests).toHaveLength(1)
    await expect(client.clientCredentials()).resolves.toMatchObject({ tokenType: 'Bearer' })
    expect(server.state.tokenRequests).toHaveLength(2)
  })

  it('keeps serving the cached token while the endpoint is down, until it expires', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    let down = false
    const { server, client } = setup(
      () => (down ? Promise.reject(new TypeError('fetch failed')) : tokenResponse()),
      { tokenCache: { skew: 60, failureCooldown: 10 } },
    )
    const first = await client.clientCredentials()
    down = true
    vi.advanceTimersByTime(250_000) // in the skew window
    for (let i = 0; i < 20; i++) {
      expect((await client.clientCredentials()).accessToken).toBe(first.accessToken)
      await settle()
      vi.advanceTimersByTime(1_000)
    }
    // One failed renewal per 10-second cooldown, not one per call.
    expect(server.state.tokenRequests.length).toBeLessThanOrEqual(3)
    vi.advanceTimersByTime(40_000) // expired now
    const err = await client.clientCredentials().catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'ERR_NETWORK' })
    down = false
    const fresh = await client.clientCredentials()
    expect(fresh.accessToken).not.toBe(first.accessToken)
  })

  it('does not retry invalid_client in a storm', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { server, client } = setup(
      () =>
        Response.json(
          { error: 'invalid_client', error_description: 'client authentication failed' },
          { status: 401, headers: { 'www-authenticate': 'Basic realm="as"' } },
        ),
      { tokenCache: { failureCooldown: 10 } },
    )
    for (let i = 0; i < 50; i++) {
      const err = await client.clientCredentials().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(OAuthResponseError)
      expect(err).toMatchObject({ error: 'invalid_client', status: 401 })
    }
    expect(server.state.tokenRequests).toHaveLength(1)
    vi.advanceTimersByTime(10_001)
    await client.clientCredentials().catch(() => {})
    expect(server.state.tokenRequests).toHaveLength(2)
  })

  describe('fault injection: a typed error with the right code, and the cached token kept', () => {
    const faults: [string, () => Response | Promise<Response>, string][] = [
      [
        'HTTP 503',
        () => new Response('unavailable', { status: 503 }),
        'OAUTH_RESPONSE_IS_NOT_CONFORM',
      ],
      [
        'HTTP 500 with an OAuth error',
        () => Response.json({ error: 'server_error' }, { status: 500 }),
        'OAUTH_RESPONSE_IS_NOT_CONFORM',
      ],
      [
        'connection reset',
        () =>
          Promise.reject(
            new TypeError('fetch failed', {
              cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
            }),
          ),
        'ERR_NETWORK',
      ],
      [
        'an HTML error page with status 200',
        () =>
          new Response('<html><body>Proxy error</body></html>', {
            headers: { 'content-type': 'text/html' },
          }),
        'OAUTH_RESPONSE_IS_NOT_JSON',
      ],
      [
        'malformed JSON',
        () =>
          new Response('{"access_token": "abc", ', {
            headers: { 'content-type': 'application/json' },
          }),
        'OAUTH_PARSE_ERROR',
      ],
      [
        'no access_token',
        () => Response.json({ token_type: 'Bearer', expires_in: 300 }),
        'OAUTH_INVALID_RESPONSE',
      ],
      [
        'token_type MAC',
        () => Response.json({ access_token: 'x', token_type: 'MAC', expires_in: 300 }),
        'OAUTH_UNSUPPORTED_OPERATION',
      ],
      [
        'negative expires_in',
        () => Response.json({ access_token: 'x', token_type: 'Bearer', expires_in: -5 }),
        'OAUTH_INVALID_RESPONSE',
      ],
      [
        'a 2 MiB body',
        () =>
          new Response(`{"access_token":"${'a'.repeat(2 * 1024 * 1024)}"}`, {
            headers: { 'content-type': 'application/json' },
          }),
        'ERR_RESPONSE_TOO_LARGE',
      ],
    ]

    it.each(faults)('%s', async (_, fault, code) => {
      vi.useFakeTimers({ toFake: ['Date'] })
      let broken = false
      const { server, client } = setup(() => (broken ? fault() : tokenResponse()), {
        tokenCache: { skew: 60, failureCooldown: 5 },
      })
      // With nothing cached, the caller gets the typed error.
      broken = true
      const err = await client.clientCredentials().catch((e: unknown) => e)
      expect(isOAuthKitError(err)).toBe(true)
      expect(err).toMatchObject({ code })
      // A good token, then the fault during ahead-of-expiry renewal: the good one stays.
      broken = false
      const good = await client.clientCredentials()
      broken = true
      vi.advanceTimersByTime(250_000)
      expect((await client.clientCredentials()).accessToken).toBe(good.accessToken)
      await settle()
      const requests = server.state.tokenRequests.length
      expect((await client.clientCredentials()).accessToken).toBe(good.accessToken)
      expect(server.state.tokenRequests.length).toBe(requests)
      // Once it has expired the broken answer is an error, never a cached value.
      vi.advanceTimersByTime(60_000)
      await expect(client.clientCredentials()).rejects.toMatchObject({ code })
      broken = false
      const next = await client.clientCredentials()
      expect(next.accessToken).not.toBe(good.accessToken)
    })

    it('a slow token endpoint gives ERR_TIMEOUT, never a hang', async () => {
      const { client } = setup(
        ({ signal }) =>
          new Promise((resolve, reject) => {
            const timer = setTimeout(() => resolve(tokenResponse()), 10_000)
            signal?.addEventListener('abort', () => {
              clearTimeout(timer)
              reject(signal.reason)
            })
          }),
        { timeout: 100 },
      )
      const started = Date.now()
      await expect(client.clientCredentials()).rejects.toMatchObject({ code: 'ERR_TIMEOUT' })
      expect(Date.now() - started).toBeLessThan(2_000)
    })
  })

  it("ends one caller's wait on its signal without failing the others", async () => {
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const { server, client } = setup(async () => {
      await gate
      return tokenResponse()
    })
    const controller = new AbortController()
    const aborted = client.clientCredentials({ signal: controller.signal })
    const other = client.clientCredentials()
    await settle()
    controller.abort()
    await expect(aborted).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    release()
    await expect(other).resolves.toMatchObject({ tokenType: 'Bearer' })
    expect(server.state.tokenRequests).toHaveLength(1)
    const pre = new AbortController()
    pre.abort()
    await expect(client.clientCredentials({ signal: pre.signal })).rejects.toMatchObject({
      code: 'ERR_ABORTED',
    })
  })

  it('uses a pluggable store, with keys that hold no secret', async () => {
    const map = new Map<string, { value: TokenSet; ttl: number }>()
    const store: TokenStore = {
      get: async (key) => map.get(key)?.value,
      set: async (key, value, ttl) => {
        map.set(key, { value, ttl })
      },
      delete: async (key) => {
        map.delete(key)
      },
    }
    const { server, client } = setup(undefined, { tokenCache: { store } })
    const token = await client.clientCredentials({ scope: 'read' })
    expect(map.size).toBe(1)
    const [[key, entry]] = [...map.entries()] as [[string, { value: TokenSet; ttl: number }]]
    expect(key).not.toContain(secret)
    expect(key).toContain('service')
    expect(entry.ttl).toBeGreaterThan(290)
    expect(entry.value.accessToken).toBe(token.accessToken)
    await client.invalidateClientCredentials({ scope: 'read' })
    expect(map.size).toBe(0)
    await client.clientCredentials({ scope: 'read' })
    expect(server.state.tokenRequests).toHaveLength(2)
  })

  it('caches a token without expires_in for defaultTtl', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { server, client } = setup(() => tokenResponse({ expires_in: undefined }), {
      tokenCache: { defaultTtl: 100 },
    })
    const first = await client.clientCredentials()
    expect(first.expiresAt).toBeUndefined()
    vi.advanceTimersByTime(99_000)
    await client.clientCredentials()
    expect(server.state.tokenRequests).toHaveLength(1)
    vi.advanceTimersByTime(2_000)
    await client.clientCredentials()
    expect(server.state.tokenRequests).toHaveLength(2)
  })

  it('never puts the secret or a token into an error', async () => {
    const { client } = setup(() =>
      Response.json({ error: 'invalid_client', access_token: 'leaked-token' }, { status: 400 }),
    )
    const err = await client.clientCredentials().catch((e: unknown) => e)
    const texts = [String(err), JSON.stringify(err), inspect(err, { depth: 10 })]
    for (const text of texts) {
      expect(text).not.toContain(secret)
      expect(text).not.toContain('leaked-token')
    }
  })
})

describe('client authentication', () => {
  it('client_secret_basic sends an Authorization header', async () => {
    const { server, client } = setup()
    await client.clientCredentials()
    const sent = server.state.tokenRequests[0]
    const [scheme, credentials] = sent?.headers.get('authorization')?.split(' ') ?? []
    expect(scheme).toBe('Basic')
    // RFC 6749 §2.3.1: each part is form-urlencoded before the Basic encoding.
    const [id, password] = atob(credentials ?? '')
      .split(':')
      .map(decodeURIComponent)
    expect([id, password]).toEqual(['service', secret])
    expect(sent?.body.has('client_secret')).toBe(false)
  })

  it('client_secret_post sends the secret in the body', async () => {
    const { server, client } = setup(undefined, { clientAuthMethod: 'client_secret_post' })
    await client.clientCredentials()
    const sent = server.state.tokenRequests[0]
    expect(sent?.headers.get('authorization')).toBeNull()
    expect(sent?.body.get('client_id')).toBe('service')
    expect(sent?.body.get('client_secret')).toBe(secret)
  })

  it.each(['ES256', 'RS256', 'PS256', 'Ed25519'])(
    'private_key_jwt with a private %s JWK signs a client assertion',
    async (alg) => {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
      const jwk = { ...(await exportJWK(privateKey)), kid: 'k1', alg }
      const { server, client } = setup(undefined, { clientSecret: undefined, privateKey: jwk })
      await client.clientCredentials()
      const body = server.state.tokenRequests[0]?.body
      expect(body?.get('client_assertion_type')).toBe(
        'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      )
      const { payload, protectedHeader } = await jwtVerify(
        body?.get('client_assertion') ?? '',
        publicKey,
      )
      expect(protectedHeader).toMatchObject({ alg, kid: 'k1' })
      expect(payload).toMatchObject({ iss: 'service', sub: 'service' })
      expect(server.state.tokenRequests[0]?.headers.get('authorization')).toBeNull()
    },
  )

  it('private_key_jwt with a CryptoKey', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256')
    const { server, client } = setup(undefined, { clientSecret: undefined, privateKey })
    await client.clientCredentials()
    const assertion = server.state.tokenRequests[0]?.body.get('client_assertion') ?? ''
    await expect(jwtVerify(assertion, publicKey)).resolves.toBeTruthy()
  })
})

describe('argument errors', () => {
  const fetch = (() => {
    throw new Error('no I/O expected')
  }) as unknown as typeof globalThis.fetch
  const base = { issuer, clientId: 'service', clientSecret: secret, fetch }

  it.each([
    ['issuer', { issuer: undefined }],
    ['issuer', { issuer: 'not a url' }],
    ['issuer', { issuer: 'http://as.example.com' }],
    ['clientId', { clientId: '' }],
    ['clientSecret', { clientSecret: undefined, clientAuthMethod: 'client_secret_post' }],
    ['privateKey', { clientSecret: undefined, privateKey: { kty: 'EC' } }],
    ['privateKey', { clientSecret: undefined, privateKey: 'pem' }],
    ['clientAuthMethod', { clientAuthMethod: 'tls_client_auth' }],
    ['tokenCache.skew', { tokenCache: { skew: -1 } }],
    ['timeout', { timeout: 0 }],
  ])('createServerClient names %s', (name, override) => {
    expect(() => createServerClient({ ...base, ...override } as ServerClientOptions)).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code: expect.stringMatching(/^ERR_INVALID_ARG_(TYPE|VALUE)$/),
        message: expect.stringContaining(`"${name}"`),
      }),
    )
  })

  it('never puts the bad value in the message', () => {
    const err = (() => {
      try {
        createServerClient({ ...base, privateKey: { kty: 'EC', d: 'secret-d', crv: 'P-999' } })
      } catch (e) {
        return e as Error
      }
      return undefined
    })()
    expect(err?.message).toContain('"privateKey"')
    expect(err?.message).not.toContain('secret-d')
  })

  it('clientCredentials validates before any I/O', async () => {
    const client = createServerClient(base)
    await expect(client.clientCredentials({ scope: 42 as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    })
    await expect(client.clientCredentials({ resource: 'not a uri' })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    })
    await expect(client.refreshTokenGrant('')).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    })
    await expect(client.revokeToken(undefined as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    })
  })

  it('allows an http issuer only with allowInsecureRequests', () => {
    expect(() =>
      createServerClient({ ...base, issuer: 'http://127.0.0.1:1', allowInsecureRequests: true }),
    ).not.toThrow()
  })
})
