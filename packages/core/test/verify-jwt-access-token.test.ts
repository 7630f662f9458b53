import { inspect } from 'node:util'
import {
  AccessTokenError,
  createJwksCache,
  isOAuthKitError,
  type JwksCache,
  OAuthKitError,
  type ServerMetadata,
  verifyJwtAccessToken,
} from '@oauthkit/core'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  type AccessTokenOptions,
  makeSigningKey,
  type SigningKey,
  signAccessToken,
} from '../../../test/fixtures/jwt-issuer.js'
import { refusal } from '../../../test/fixtures/refusal.js'

const issuer = 'https://as.example.com'
const audience = 'https://api.example.com'
const metadata: ServerMetadata = { issuer, jwks_uri: `${issuer}/jwks` }

type TokenOptions = Omit<AccessTokenOptions, 'issuer' | 'audience'> & { key?: SigningKey }
const sign = ({ key = keyA, ...options }: TokenOptions = {}) =>
  signAccessToken(key, { issuer, audience, ...options })

// A JWKS endpoint whose keys the test rotates; counts its requests.
function jwksServer(initial: SigningKey[]) {
  const state = { keys: initial, requests: 0, fail: false }
  const fetch = vi.fn(async (input: RequestInfo | URL) => {
    state.requests++
    expect(String(input instanceof Request ? input.url : input)).toBe(metadata.jwks_uri)
    if (state.fail) return new Response('down', { status: 503 })
    return Response.json({ keys: state.keys.map((key) => key.jwk) })
  }) as unknown as typeof globalThis.fetch
  return { state, fetch }
}

let keyA: SigningKey
let keyB: SigningKey
let keyEs: SigningKey
beforeAll(async () => {
  ;[keyA, keyB, keyEs] = await Promise.all([
    makeSigningKey('a'),
    makeSigningKey('b'),
    makeSigningKey('e', 'ES256'),
  ])
})
afterEach(() => {
  vi.useRealTimers()
})

function setup(
  keys: SigningKey[] = [keyA, keyEs],
  cacheOptions?: Parameters<typeof createJwksCache>[0],
) {
  const server = jwksServer(keys)
  const jwksCache: JwksCache = createJwksCache(cacheOptions)
  const verify = (input: string | Request | undefined, extra?: { scopes?: string[] }) =>
    verifyJwtAccessToken(metadata, input, {
      audience,
      jwksCache,
      http: { fetch: server.fetch },
      ...extra,
    })
  return { server, jwksCache, verify }
}

describe('verifyJwtAccessToken', () => {
  it('accepts a valid token as a Bearer header, a bare token or a Request', async () => {
    const { verify } = setup()
    const token = await sign()
    const claims = await verify(`Bearer ${token}`)
    expect(claims).toMatchObject({
      iss: issuer,
      sub: 'user-1',
      client_id: 'app',
      scope: 'read write',
    })
    await expect(verify(token)).resolves.toMatchObject({ sub: 'user-1' })
    await expect(verify(`bearer ${token}`)).resolves.toMatchObject({ sub: 'user-1' })
    const request = new Request(`${audience}/things`, {
      headers: { authorization: `Bearer ${token}` },
    })
    await expect(verify(request)).resolves.toMatchObject({ sub: 'user-1' })
    await expect(verify(`Bearer ${await sign({ key: keyEs })}`)).resolves.toMatchObject({
      sub: 'user-1',
    })
  })

  it('accepts an audience array that contains ours', async () => {
    const { verify } = setup()
    const token = await sign({ claims: { aud: ['other', audience] } })
    await expect(verify(token)).resolves.toMatchObject({ sub: 'user-1' })
  })

  it.each([
    ['typ JWT', { typ: 'JWT' }, 'at+jwt'],
    ['another audience', { claims: { aud: 'https://other.example.com' } }, 'another audience'],
    ['another issuer', { claims: { iss: 'https://evil.example.com' } }, 'another issuer'],
    ['expired', { claims: { exp: Math.floor(Date.now() / 1000) - 60 } }, 'expired'],
    ['not yet valid', { claims: { nbf: Math.floor(Date.now() / 1000) + 600 } }, 'not valid yet'],
    ['no iat', { omit: ['iat'] }, 'required claim'],
    ['no client_id', { omit: ['client_id'] }, 'required claim'],
  ] as const)('refuses a token with %s (401 invalid_token)', async (_, options, description) => {
    const { verify } = setup()
    const err = await refusal(verify(`Bearer ${await sign(options as TokenOptions)}`))
    expect(err.status).toBe(401)
    expect(err.error).toBe('invalid_token')
    expect(err.error_description).toContain(description)
    expect(err.wwwAuthenticate).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"$/)
  })

  it('keeps oauth4webapi codes for failed checks', async () => {
    const { verify } = setup()
    const expired = await sign({ claims: { exp: Math.floor(Date.now() / 1000) - 60 } })
    expect((await refusal(verify(expired))).code).toBe('OAUTH_JWT_TIMESTAMP_CHECK_FAILED')
    const wrongAud = await sign({ claims: { aud: 'x' } })
    expect((await refusal(verify(wrongAud))).code).toBe('OAUTH_JWT_CLAIM_COMPARISON_FAILED')
  })

  it('tolerates clockTolerance seconds of expiry and no more', async () => {
    const { server } = setup()
    const token = await sign({ claims: { exp: Math.floor(Date.now() / 1000) - 3 } })
    const jwksCache = createJwksCache()
    const options = { audience, jwksCache, http: { fetch: server.fetch } }
    await expect(
      verifyJwtAccessToken(metadata, token, { ...options, clockTolerance: 10 }),
    ).resolves.toBeTruthy()
    await refusal(verifyJwtAccessToken(metadata, token, { ...options, clockTolerance: 0 }))
  })

  it('refuses a DPoP-bound token (cnf.jkt) presented as a Bearer token', async () => {
    const { verify } = setup()
    const bound = await sign({ claims: { cnf: { jkt: 'thumbprint' } } })
    const err = await refusal(verify(`Bearer ${bound}`))
    expect(err).toMatchObject({ status: 401, error: 'invalid_token' })
  })

  it('refuses a forged signature under a known kid', async () => {
    const { verify } = setup()
    const forged = await sign({ key: keyB, kid: 'a' })
    const err = await refusal(verify(forged))
    expect(err.error_description).toContain('signature')
  })

  it('refuses algorithms outside the allow-list before fetching keys', async () => {
    const { verify, server } = setup()
    const es = await sign({ key: keyEs })
    await refusal(
      verifyJwtAccessToken(metadata, es, {
        audience,
        algorithms: ['RS256'],
        jwksCache: createJwksCache(),
        http: { fetch: server.fetch },
      }),
    )
    const header = (alg: string) => btoa(JSON.stringify({ alg, typ: 'at+jwt', kid: 'a' }))
    const body = btoa(JSON.stringify({ iss: issuer, aud: audience })).replace(/=+$/, '')
    for (const alg of ['none', 'HS256']) {
      const token = `${header(alg).replace(/=+$/, '')}.${body}.c2ln`
      const err = await refusal(verify(token))
      expect(err.error_description).toContain('algorithm')
    }
    expect(server.state.requests).toBe(0)
  })

  it('refuses oversized tokens and headers before any decoding or fetching', async () => {
    const { verify, server } = setup()
    const huge = `${'a'.repeat(20_000)}.${'b'.repeat(20_000)}.c`
    const err = await refusal(verify(`Bearer ${huge}`))
    expect(err.code).toBe('ERR_TOKEN_TOO_LARGE')
    expect(err.status).toBe(401)
    await refusal(verify('x'.repeat(10_000_000)))
    const small = await sign()
    const tight = verifyJwtAccessToken(metadata, small, {
      audience,
      maxTokenLength: 100,
      jwksCache: createJwksCache(),
      http: { fetch: server.fetch },
    })
    expect((await refusal(tight)).code).toBe('ERR_TOKEN_TOO_LARGE')
    expect(server.state.requests).toBe(0)
  })

  it('does not accept tokens in the query string (RFC 6750 §2.3)', async () => {
    const { verify, server } = setup()
    const token = await sign()
    const request = new Request(`${audience}/things?access_token=${token}`)
    const err = await refusal(verify(request))
    expect(err.status).toBe(400)
    expect(err.error).toBe('invalid_request')
    expect(err.wwwAuthenticate).toContain('error="invalid_request"')
    expect(server.state.requests).toBe(0)
  })

  it('answers a missing token with a bare challenge (RFC 6750 §3.1)', async () => {
    const { server } = setup()
    for (const input of [undefined, '', '   ', new Request(audience)]) {
      const err = await refusal(
        verifyJwtAccessToken(metadata, input, {
          audience,
          realm: 'api',
          http: { fetch: server.fetch },
        }),
      )
      expect(err.code).toBe('ERR_TOKEN_MISSING')
      expect(err.status).toBe(401)
      expect(err.error).toBeUndefined()
      expect(err.wwwAuthenticate).toBe('Bearer realm="api"')
    }
  })

  it('refuses other schemes and malformed headers with invalid_request', async () => {
    const { verify } = setup()
    const token = await sign()
    for (const header of [`Basic ${token}`, `Bearer ${token} extra`, `DPoP ${token}`]) {
      const err = await refusal(verify(header))
      expect(err.status).toBe(400)
      expect(err.error).toBe('invalid_request')
    }
    for (const header of ['Bearer not-a-jwt', 'Bearer a.b', 'Bearer ***']) {
      expect((await refusal(verify(header))).error).toBe('invalid_token')
    }
  })

  it('answers a missing scope with 403 insufficient_scope naming the needed scope', async () => {
    const { verify } = setup()
    const token = await sign({ claims: { scope: 'read' } })
    await expect(verify(token, { scopes: ['read'] })).resolves.toBeTruthy()
    const err = await refusal(verify(token, { scopes: ['read', 'admin'] }))
    expect(err.status).toBe(403)
    expect(err.code).toBe('ERR_INSUFFICIENT_SCOPE')
    expect(err.error).toBe('insufficient_scope')
    expect(err.wwwAuthenticate).toBe(
      `Bearer error="insufficient_scope", error_description="the access token lacks the scope 'admin'", scope="read admin"`,
    )
    const none = await sign({ omit: ['scope'] })
    expect((await refusal(verify(none, { scopes: ['read'] }))).status).toBe(403)
  })

  it('never puts the token in the error', async () => {
    const { verify } = setup()
    const tokens = [
      await sign({ claims: { exp: 1 } }),
      await sign({ key: keyB, kid: 'a' }),
      await sign({ claims: { scope: 'x' } }),
      await sign({ kid: 'unknown' }),
    ]
    for (const token of tokens) {
      const err = await refusal(verify(`Bearer ${token}`, { scopes: ['admin'] }))
      const [, payload, signature] = token.split('.') as [string, string, string]
      for (const text of [
        err.message,
        JSON.stringify(err),
        inspect(err, { depth: 10 }),
        err.wwwAuthenticate,
      ]) {
        expect(text).not.toContain(payload)
        expect(text).not.toContain(signature)
      }
    }
  })

  it('throws argument errors before any I/O', async () => {
    const { server } = setup()
    const http = { fetch: server.fetch }
    const calls = [
      () => verifyJwtAccessToken(metadata, 'x', { audience: '', http }),
      () => verifyJwtAccessToken(undefined as never, 'x', { audience, http }),
      () => verifyJwtAccessToken(metadata, 'x', undefined as never),
      () => verifyJwtAccessToken(metadata, 'x', { audience, scopes: 'read' as never, http }),
      () => verifyJwtAccessToken(metadata, 42 as never, { audience, http }),
    ]
    for (const call of calls) {
      await expect(call()).rejects.toMatchObject({
        name: 'TypeError',
        code: 'ERR_INVALID_ARG_TYPE',
      })
    }
    expect(() => createJwksCache({ maxAge: 600 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    )
    expect(server.state.requests).toBe(0)
  })
})

describe('JWKS cache', () => {
  it('fetches the key set once for 200 concurrent verifications', async () => {
    const { verify, server, jwksCache } = setup()
    const token = await sign()
    const results = await Promise.all(Array.from({ length: 200 }, () => verify(token)))
    expect(results).toHaveLength(200)
    expect(server.state.requests).toBe(1)
    expect(jwksCache.fetchCount).toBe(1)
  })

  it('picks up a rotated key with one refetch, and bounds refetches for unknown kids', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { verify, server } = setup([keyA], { minRefetchInterval: 30 })
    await verify(await sign())
    expect(server.state.requests).toBe(1)

    // Rotation: the server publishes b next to a, then signs with b.
    vi.advanceTimersByTime(31_000)
    server.state.keys = [keyA, keyB]
    const rotated = await sign({ key: keyB })
    const concurrent = await Promise.all(Array.from({ length: 50 }, () => verify(rotated)))
    expect(concurrent).toHaveLength(50)
    expect(server.state.requests).toBe(2)

    // A flood of forged kids: refused, without another request inside the interval.
    const forged = await Promise.all(
      Array.from({ length: 100 }, async (_, i) =>
        verify(await sign({ kid: `forged-${i}` })).catch((e) => e),
      ),
    )
    for (const err of forged) expect(err).toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' })
    expect(server.state.requests).toBe(2)

    // After the interval one unknown kid may cause one refetch, shared by concurrent callers.
    vi.advanceTimersByTime(31_000)
    const later = await Promise.all(
      Array.from({ length: 20 }, async () =>
        verify(await sign({ kid: 'still-unknown' })).catch((e) => e),
      ),
    )
    for (const err of later) expect(err).toBeInstanceOf(AccessTokenError)
    expect(server.state.requests).toBe(3)

    // The old key, removed from the set, is refused after the set is refetched.
    server.state.keys = [keyB]
    vi.advanceTimersByTime(241_000)
    await verify(rotated)
    expect(server.state.requests).toBe(4)
    const old = await refusal(verify(await sign({ key: keyA })))
    expect(old.code).toBe('ERR_JWKS_NO_MATCHING_KEY')
    expect(server.state.requests).toBe(4)
  })

  it('refetches after maxAge and keeps oauth4webapi from fetching on its own', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { verify, server } = setup([keyA], { maxAge: 120 })
    for (let minute = 0; minute < 10; minute++) {
      await verify(await sign())
      vi.advanceTimersByTime(60_000)
    }
    // 10 minutes, a key set older than 120 s is refetched: at 0, 2, 4, 6 and 8 minutes.
    expect(server.state.requests).toBe(5)
  })

  it('keeps using the previous key set while the JWKS endpoint is down, up to maxStale', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { verify, server } = setup([keyA], { maxAge: 60, maxStale: 600, minRefetchInterval: 30 })
    await verify(await sign())
    server.state.fail = true
    vi.advanceTimersByTime(61_000)
    await expect(verify(await sign())).resolves.toBeTruthy()
    expect(server.state.requests).toBe(2)
    // Within the refetch interval the failing endpoint is not asked again.
    await verify(await sign())
    expect(server.state.requests).toBe(2)
    vi.advanceTimersByTime(600_000)
    const err = await verify(await sign()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OAuthKitError)
    expect(err).not.toBeInstanceOf(AccessTokenError)
    expect(err).toMatchObject({ code: 'ERR_JWKS_FAILED' })
    server.state.fail = false
    await expect(verify(await sign())).resolves.toBeTruthy()
  })

  it('reports a broken JWKS endpoint as a server-side failure', async () => {
    const cases: [string, () => Response | Promise<Response>, string][] = [
      ['html', () => new Response('<html>oops</html>', { status: 200 }), 'ERR_JWKS_FAILED'],
      ['no keys', () => Response.json({ nope: true }), 'ERR_JWKS_FAILED'],
      ['500', () => new Response('', { status: 500 }), 'ERR_JWKS_FAILED'],
      [
        'huge',
        () =>
          new Response('x'.repeat(2 * 1024 * 1024), {
            headers: { 'content-length': String(2 * 1024 * 1024) },
          }),
        'ERR_RESPONSE_TOO_LARGE',
      ],
      ['reset', () => Promise.reject(new TypeError('fetch failed')), 'ERR_NETWORK'],
    ]
    for (const [, respond, code] of cases) {
      const err = await verifyJwtAccessToken(metadata, await sign(), {
        audience,
        jwksCache: createJwksCache(),
        http: { fetch: (async () => respond()) as typeof fetch },
      }).catch((e: unknown) => e)
      expect(isOAuthKitError(err)).toBe(true)
      expect(err).not.toBeInstanceOf(AccessTokenError)
      expect(err).toMatchObject({ code })
    }
  })

  it('times out a hanging JWKS endpoint with ERR_TIMEOUT', async () => {
    const hanging = ((_: unknown, init?: RequestInit) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason))
      })) as typeof fetch
    const err = await verifyJwtAccessToken(metadata, await sign(), {
      audience,
      jwksCache: createJwksCache(),
      http: { fetch: hanging, timeout: 50 },
    }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'ERR_TIMEOUT' })
  })

  it('checks iss against the metadata at hand when issuers share a jwks_uri', async () => {
    // Multi-tenant servers publish one key set for every tenant issuer; a token of tenant A must
    // not pass as tenant B's because the cached key set was first fetched for A.
    const { server } = setup([keyA])
    const jwksCache = createJwksCache()
    const tenantA = { issuer: `${issuer}/tenant-a`, jwks_uri: metadata.jwks_uri }
    const tenantB = { issuer: `${issuer}/tenant-b`, jwks_uri: metadata.jwks_uri }
    const token = await sign({ claims: { iss: tenantA.issuer } })
    const options = { audience, jwksCache, http: { fetch: server.fetch } }
    await expect(verifyJwtAccessToken(tenantA, token, options)).resolves.toBeTruthy()
    const err = await refusal(verifyJwtAccessToken(tenantB, token, options))
    expect(err).toMatchObject({ status: 401, code: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' })
    await expect(verifyJwtAccessToken(tenantA, token, options)).resolves.toBeTruthy()
    expect(server.state.requests).toBe(1)
  })

  it('imports a key once for all the tokens it signed, and anew for new key material', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const imports = vi.spyOn(crypto.subtle, 'importKey')
    try {
      const { verify, server } = setup([keyA])
      for (let i = 0; i < 5; i++) await verify(await sign())
      expect(imports).toHaveBeenCalledTimes(1)
      // The issuer puts new key material behind kid "a": once the key set is refetched (past
      // maxAge) tokens signed with it pass, and those signed with the old material fail.
      const renewed = await makeSigningKey('a')
      server.state.keys = [renewed]
      vi.advanceTimersByTime(241_000)
      await expect(verify(await sign({ key: renewed }))).resolves.toMatchObject({ sub: 'user-1' })
      expect(server.state.requests).toBe(2)
      const old = await refusal(verify(await sign()))
      expect(old.error_description).toBe('the access token signature is invalid')
      expect(imports).toHaveBeenCalledTimes(2)
    } finally {
      imports.mockRestore()
    }
  })

  it('never uses a key imported for one algorithm with another', async () => {
    // A JWK without "alg" may verify RS256 and RS384 alike: each gets its own import. An RS256
    // signature presented as RS384 must fail although the RS256 import of that key is cached.
    const key = await makeSigningKey('any')
    const { alg: _alg, ...jwk } = key.jwk
    const fetch = (async () => Response.json({ keys: [jwk] })) as typeof globalThis.fetch
    const options = { audience, jwksCache: createJwksCache(), http: { fetch } }
    const now = Math.floor(Date.now() / 1000)
    const claims = { iss: issuer, aud: audience, sub: 'u', client_id: 'c', jti: 'j', iat: now }
    const b64u = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const jws = async (alg: string, signer: CryptoKey) => {
      const input = `${b64u({ alg, typ: 'at+jwt', kid: 'any' })}.${b64u({ ...claims, exp: now + 60 })}`
      const signature = await crypto.subtle.sign(signer.algorithm, signer, Buffer.from(input))
      return `${input}.${Buffer.from(signature).toString('base64url')}`
    }
    const rs384 = await crypto.subtle.importKey(
      'jwk',
      await crypto.subtle.exportKey('jwk', key.privateKey).then(({ alg: _, ...rest }) => rest),
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' },
      false,
      ['sign'],
    )
    await expect(
      verifyJwtAccessToken(metadata, await jws('RS256', key.privateKey), options),
    ).resolves.toMatchObject({ sub: 'u' })
    const confused = await refusal(
      verifyJwtAccessToken(metadata, await jws('RS384', key.privateKey), options),
    )
    expect(confused.error_description).toBe('the access token signature is invalid')
    await expect(
      verifyJwtAccessToken(metadata, await jws('RS384', rs384), options),
    ).resolves.toMatchObject({ sub: 'u' })
  })

  it('refuses an http jwks_uri unless insecure requests are allowed', async () => {
    const insecure = { issuer: 'http://127.0.0.1:1', jwks_uri: 'http://127.0.0.1:1/jwks' }
    const fetch = vi.fn() as unknown as typeof globalThis.fetch
    const err = await verifyJwtAccessToken(insecure, await sign(), {
      audience,
      jwksCache: createJwksCache(),
      http: { fetch },
    }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'ERR_INSECURE_REQUEST' })
    expect(fetch).not.toHaveBeenCalled()
  })
})
