import { inspect } from 'node:util'
import {
  createMemorySessionStore,
  createServerClient,
  isOAuthKitError,
  OAuthResponseError,
  type ServerClientOptions,
  type Session,
  type SessionStore,
} from '@oauthkit/node'
import { exportJWK, generateKeyPair, jwtVerify } from 'jose'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  fakeAuthorizationServer,
  issuer,
  metadata,
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

// A whole second, so that token times (whole epoch seconds) line up with the fake clock.
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0)

// A memory store that tells when the cache has written a token: a background renewal is over
// once its token is stored.
function observedStore() {
  const inner = createMemorySessionStore()
  const waiters: (() => void)[] = []
  const store: SessionStore = {
    get: (key) => inner.get(key),
    delete: (key) => inner.delete(key),
    async set(key, value, ttl) {
      await inner.set(key, value, ttl)
      for (const resolve of waiters.splice(0)) resolve()
    },
  }
  const nextSet = () => new Promise<void>((resolve) => waiters.push(resolve))
  return { store, nextSet }
}

// Everything a failed in-memory request sets off (the fake fetch rejects at once; the cache
// records the failure in the promise callbacks that follow) has run before a setImmediate
// callback: all microtasks and nextTicks do. Not a sleep: no timer is involved.
const drain = () => new Promise<void>((resolve) => setImmediate(resolve))

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
    const store = createMemorySessionStore()
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
    const { store, nextSet } = observedStore()
    const { server, client } = setup(undefined, { tokenCache: { refreshAhead: 60, store } })
    const first = await client.clientCredentials()
    vi.advanceTimersByTime(239_000)
    expect((await client.clientCredentials()).accessToken).toBe(first.accessToken)
    expect(server.state.tokenRequests).toHaveLength(1)
    vi.advanceTimersByTime(2_000) // 59 s left: inside the skew
    const stored = nextSet()
    const during = await Promise.all(Array.from({ length: 100 }, () => client.clientCredentials()))
    for (const token of during) expect(token.accessToken).toBe(first.accessToken)
    await stored
    expect(server.state.tokenRequests).toHaveLength(2)
    const renewed = await client.clientCredentials()
    expect(renewed.accessToken).not.toBe(first.accessToken)
  })

  it('after expiry, 1,000 more concurrent callers cause exactly one more request', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { server, client } = setup(() => tokenResponse({ expires_in: 30 }), {
      tokenCache: { refreshAhead: 0 },
    })
    await Promise.all(Array.from({ length: 1000 }, () => client.clientCredentials()))
    vi.advanceTimersByTime(31_000)
    await Promise.all(Array.from({ length: 1000 }, () => client.clientCredentials()))
    expect(server.state.tokenRequests).toHaveLength(2)
  })

  it('a token shorter-lived than the refreshAhead: 1 request for 400 calls, 1 more at half its lifetime', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 })
    const { store, nextSet } = observedStore()
    // expires_in 30 with the default skew of 60: it must not count as due when it arrives.
    const { server, client } = setup(() => tokenResponse({ expires_in: 30 }), {
      tokenCache: { store },
    })
    const first = await Promise.all(Array.from({ length: 200 }, () => client.clientCredentials()))
    expect(new Set(first.map((t) => t.accessToken)).size).toBe(1)
    const token = first[0]?.accessToken
    for (let i = 0; i < 200; i++) {
      expect((await client.clientCredentials()).accessToken).toBe(token)
    }
    expect(server.state.tokenRequests).toHaveLength(1)
    // The renewal point is 15 s after receipt (half of 30, less than the skew of 60).
    vi.setSystemTime(T0 + 14_999)
    for (let i = 0; i < 20; i++) await client.clientCredentials()
    expect(server.state.tokenRequests).toHaveLength(1)
    vi.setSystemTime(T0 + 15_000)
    const stored = nextSet()
    const during = await Promise.all(Array.from({ length: 200 }, () => client.clientCredentials()))
    for (const t of during) expect(t.accessToken).toBe(token) // still valid: served meanwhile
    await stored
    expect(server.state.tokenRequests).toHaveLength(2)
    // The renewed token is not thrown away and asked for again: 200 more calls, no request.
    const renewed = await client.clientCredentials()
    expect(renewed.accessToken).not.toBe(token)
    for (let i = 0; i < 200; i++) {
      expect((await client.clientCredentials()).accessToken).toBe(renewed.accessToken)
    }
    expect(server.state.tokenRequests).toHaveLength(2)
  })

  it('stores a 1 s token received late in its second: the store never drops it early', async () => {
    // expiresAt is whole seconds from receipt; received at .900 the token has 0.1 s of second left
    // but a lifetime of 1 s: rounding the store TTL down would give 0 and store nothing.
    vi.useFakeTimers({ toFake: ['Date'], now: T0 + 900 })
    const { server, client } = setup(() => tokenResponse({ expires_in: 1 }), {
      tokenCache: { refreshAhead: 0 },
    })
    const first = await client.clientCredentials()
    expect((await client.clientCredentials()).accessToken).toBe(first.accessToken)
    expect(server.state.tokenRequests).toHaveLength(1)
  })

  it('keeps the receipt time in the stored session and in the TokenSet callers get', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 })
    const map = new Map<string, Session>()
    const store: SessionStore = {
      get: async (key) => map.get(key),
      set: async (key, value) => {
        map.set(key, JSON.parse(JSON.stringify(value)))
      },
      delete: async (key) => {
        map.delete(key)
      },
    }
    const { client } = setup(() => tokenResponse({ expires_in: 30 }), { tokenCache: { store } })
    const fresh = await client.clientCredentials()
    const cached = await client.clientCredentials()
    const [value] = [...map.values()]
    expect(value?.tokenSet).toMatchObject({ receivedAt: T0 / 1000, expiresAt: T0 / 1000 + 30 })
    expect(fresh).toMatchObject({ receivedAt: T0 / 1000 })
    expect(cached).toEqual(fresh)
  })

  it('a stored token without a receipt time is renewed when it expires, never on every call', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 })
    const store = createMemorySessionStore()
    const { server, client } = setup(() => tokenResponse({ expires_in: 30 }), {
      tokenCache: { store },
    })
    // As an older version (or a store that drops members) would have left it.
    const key = `oauthkit:client-credentials:${JSON.stringify([issuer, 'service', '', []])}`
    await store.set(
      key,
      { tokenSet: { accessToken: 'old', tokenType: 'Bearer', expiresAt: T0 / 1000 + 30 } },
      { ttl: 30 },
    )
    for (let i = 0; i < 50; i++) {
      expect((await client.clientCredentials()).accessToken).toBe('old')
    }
    vi.setSystemTime(T0 + 29_999)
    expect((await client.clientCredentials()).accessToken).toBe('old')
    expect(server.state.tokenRequests).toHaveLength(0)
    vi.setSystemTime(T0 + 30_000)
    expect((await client.clientCredentials()).accessToken).not.toBe('old')
    expect(server.state.tokenRequests).toHaveLength(1)
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
      { tokenCache: { refreshAhead: 60, failureCooldown: 10 } },
    )
    const first = await client.clientCredentials()
    down = true
    vi.advanceTimersByTime(250_000) // in the skew window
    for (let i = 0; i < 20; i++) {
      expect((await client.clientCredentials()).accessToken).toBe(first.accessToken)
      // The clock moves only once a renewal's failure is recorded, so the cooldown counts from
      // exactly 250 s: renewals fail at 250 and 260, not at every one of the 20 calls.
      await drain()
      vi.advanceTimersByTime(1_000)
    }
    expect(server.state.tokenRequests).toHaveLength(3)
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
      ['HTTP 503', () => new Response('unavailable', { status: 503 }), 'ERR_SERVER'],
      [
        'HTTP 500 with an OAuth error',
        () => Response.json({ error: 'server_error' }, { status: 500 }),
        'ERR_SERVER',
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
        tokenCache: { refreshAhead: 60, failureCooldown: 5 },
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
      const requests = server.state.tokenRequests.length
      expect((await client.clientCredentials()).accessToken).toBe(good.accessToken)
      // The background renewal went out; whether it is still under way or already failed, the
      // next call is served the good token without another request (one flight, then cooldown).
      await vi.waitFor(() => expect(server.state.tokenRequests).toHaveLength(requests + 1))
      expect((await client.clientCredentials()).accessToken).toBe(good.accessToken)
      expect(server.state.tokenRequests).toHaveLength(requests + 1)
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
    // Both callers wait on the one request, which the gate holds.
    await vi.waitFor(() => expect(server.state.tokenRequests).toHaveLength(1))
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
    const map = new Map<string, { value: Session; ttl: number | undefined }>()
    const store: SessionStore = {
      get: async (key) => map.get(key)?.value,
      set: async (key, value, options) => {
        map.set(key, { value, ttl: options?.ttl })
      },
      delete: async (key) => {
        map.delete(key)
      },
    }
    const { server, client } = setup(undefined, { tokenCache: { store } })
    const token = await client.clientCredentials({ scope: 'read' })
    expect(map.size).toBe(1)
    const [[key, entry]] = [...map.entries()] as [[string, { value: Session; ttl: number }]]
    expect(key).not.toContain(secret)
    expect(key).toContain('service')
    expect(entry.ttl).toBeGreaterThan(290)
    expect(entry.value.tokenSet.accessToken).toBe(token.accessToken)
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
  const TYPE = 'ERR_INVALID_ARG_TYPE'
  const VALUE = 'ERR_INVALID_ARG_VALUE'
  const store = createMemorySessionStore()

  it.each([
    ['issuer', TYPE, { issuer: undefined }],
    ['issuer', VALUE, { issuer: 'not a url' }],
    ['issuer', VALUE, { issuer: 'http://as.example.com' }],
    ['issuer', VALUE, { issuer: 'https://as.example.com/?tenant=1' }],
    ['clientId', TYPE, { clientId: '' }],
    ['clientSecret', TYPE, { clientSecret: undefined, clientAuthMethod: 'client_secret_post' }],
    ['privateKey', VALUE, { clientSecret: undefined, privateKey: { kty: 'EC' } }],
    ['privateKey', TYPE, { clientSecret: undefined, privateKey: 'pem' }],
    ['keyId', TYPE, { keyId: 42 }],
    ['clientAuthMethod', VALUE, { clientAuthMethod: 'tls_client_auth' }],
    ['fetch', TYPE, { fetch: 'fetch' }],
    ['timeout', VALUE, { timeout: 0 }],
    ['timeout', VALUE, { timeout: 1.5 }],
    ['timeout', VALUE, { timeout: 2 ** 31 }], // Node's timers would fire after 1 ms
    ['timeout', VALUE, { timeout: Number.POSITIVE_INFINITY }],
    ['timeout', TYPE, { timeout: '30s' }],
    ['maxResponseBytes', VALUE, { maxResponseBytes: -1 }],
    ['maxResponseBytes', VALUE, { maxResponseBytes: 0 }],
    ['maxResponseBytes', VALUE, { maxResponseBytes: Number.NaN }],
    ['maxResponseBytes', TYPE, { maxResponseBytes: '1mb' }],
    ['allowInsecureRequests', TYPE, { allowInsecureRequests: 'yes' }],
    ['clockTolerance', VALUE, { clockTolerance: -1 }],
    ['clockTolerance', TYPE, { clockTolerance: '5' }],
    ['metadata', TYPE, { metadata: 'https://as.example.com' }],
    ['metadata.issuer', TYPE, { metadata: { token_endpoint: `${issuer}/token` } }],
    ['metadata.issuer', VALUE, { metadata: { ...metadata, issuer: 'https://evil.example.com' } }],
    ['metadata.token_endpoint', VALUE, { metadata: { ...metadata, token_endpoint: 'token' } }],
    ['metadata.jwks_uri', TYPE, { metadata: { ...metadata, jwks_uri: 42 } }],
    ['tokenCache', TYPE, { tokenCache: 'memory' }],
    ['tokenCache.store', TYPE, { tokenCache: { store: 'redis' } }],
    ['tokenCache.store', TYPE, { tokenCache: { store: { ...store, delete: undefined } } }],
    ['tokenCache.now', TYPE, { tokenCache: { now: 0 } }],
    ['tokenCache.refreshAhead', VALUE, { tokenCache: { refreshAhead: -1 } }],
    ['tokenCache.refreshAhead', TYPE, { tokenCache: { refreshAhead: '60' } }],
    ['tokenCache.failureCooldown', VALUE, { tokenCache: { failureCooldown: Number.NaN } }],
    ['tokenCache.defaultTtl', VALUE, { tokenCache: { defaultTtl: Number.POSITIVE_INFINITY } }],
  ])('createServerClient names %s (%s)', (name, code, override) => {
    expect(() => createServerClient({ ...base, ...override } as ServerClientOptions)).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code,
        message: expect.stringContaining(`"${name}"`),
      }),
    )
  })

  it('accepts metadata whose issuer is the issuer, and then does not discover', async () => {
    const server = fakeAuthorizationServer()
    const client = createServerClient({ ...base, fetch: server.fetch, metadata })
    await client.clientCredentials()
    expect(server.state.discoveries).toBe(0)
    expect(server.state.tokenRequests).toHaveLength(1)
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
      code: TYPE,
    })
    await expect(client.clientCredentials({ resource: 42 as never })).rejects.toMatchObject({
      code: TYPE,
      message: expect.stringContaining('"resource"'),
    })
    for (const resource of [
      'not a uri',
      ['https://api.example.com', 'https://api.example.com#x'],
    ]) {
      await expect(client.clientCredentials({ resource })).rejects.toMatchObject({
        name: 'TypeError',
        code: VALUE,
        message: expect.stringContaining('"resource"'),
      })
    }
    await expect(client.clientCredentials({ signal: 'stop' as never })).rejects.toMatchObject({
      code: TYPE,
    })
    await expect(client.refreshTokenGrant('')).rejects.toMatchObject({ code: TYPE })
    await expect(client.revokeToken(undefined as never)).rejects.toMatchObject({ code: TYPE })
    await expect(client.buildEndSessionUrl('bye' as never)).rejects.toMatchObject({ code: TYPE })
    await expect(client.buildEndSessionUrl({ signal: {} as never })).rejects.toMatchObject({
      code: TYPE,
      message: expect.stringContaining('"signal"'),
    })
  })

  it('allows an http issuer only with allowInsecureRequests', () => {
    expect(() =>
      createServerClient({ ...base, issuer: 'http://127.0.0.1:1', allowInsecureRequests: true }),
    ).not.toThrow()
  })
})

describe('private JWK', () => {
  const VALUE = 'ERR_INVALID_ARG_VALUE'
  async function privateJwk(alg: string, kid = 'k1') {
    const { privateKey } = await generateKeyPair(alg, { extractable: true })
    return { ...(await exportJWK(privateKey)), kid, alg }
  }
  const create = (privateKey: object, fetch?: typeof globalThis.fetch) =>
    createServerClient({
      issuer,
      clientId: 'service',
      privateKey: privateKey as never,
      ...(fetch ? { fetch } : {}),
    })

  it.each([
    ['no "d"', (jwk: Record<string, unknown>) => ({ ...jwk, d: undefined })],
    ['an unsupported kty', (jwk: Record<string, unknown>) => ({ ...jwk, kty: 'oct' })],
    ['no "x"', (jwk: Record<string, unknown>) => ({ ...jwk, x: undefined })],
    ['no "y"', (jwk: Record<string, unknown>) => ({ ...jwk, y: undefined })],
    ['a public point off its curve', (jwk: Record<string, unknown>) => ({ ...jwk, y: jwk.x })],
  ])('with %s throws a TypeError when the client is created', async (_, corrupt) => {
    const jwk: Record<string, unknown> = corrupt(await privateJwk('ES256'))
    const err = (() => {
      try {
        create(jwk)
      } catch (e) {
        return e
      }
      return undefined
    })()
    expect(err).toBeInstanceOf(TypeError)
    expect(err).toMatchObject({ code: VALUE, message: expect.stringContaining('"privateKey"') })
    for (const member of [jwk.d, jwk.x, jwk.y]) {
      if (typeof member === 'string') expect(String(err)).not.toContain(member)
    }
  })

  it('an RSA JWK without its CRT members throws when the client is created', async () => {
    const { p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...jwk } = await privateJwk('RS256')
    expect(() => create(jwk)).toThrow(expect.objectContaining({ code: VALUE }))
  })

  it('a key WebCrypto refuses fails each call before any I/O, and is imported again', async () => {
    const server = fakeAuthorizationServer()
    // Node parses it (every member there, a valid point), WebCrypto refuses it: d is another key's.
    const jwk = { ...(await privateJwk('ES256')), d: (await privateJwk('ES256')).d }
    const imports = vi.spyOn(crypto.subtle, 'importKey')
    try {
      const client = create(jwk, server.fetch)
      const first = await client.clientCredentials().catch((e: unknown) => e)
      expect(first).toBeInstanceOf(TypeError)
      expect(first).toMatchObject({ code: VALUE, message: expect.stringContaining('"privateKey"') })
      expect(String(first)).not.toContain(jwk.d)
      const before = imports.mock.calls.length
      await expect(client.clientCredentials()).rejects.toMatchObject({ code: VALUE })
      // The failed import was not kept: the second call imported again.
      expect(imports.mock.calls.length).toBe(before + 1)
      expect(server.state.discoveries).toBe(0)
      expect(server.state.tokenRequests).toHaveLength(0)
    } finally {
      imports.mockRestore()
    }
  })

  it('a good JWK is imported once, when the client is created', async () => {
    const server = fakeAuthorizationServer()
    const jwk = await privateJwk('ES256')
    const imports = vi.spyOn(crypto.subtle, 'importKey')
    try {
      const client = create(jwk, server.fetch)
      expect(imports).toHaveBeenCalledTimes(1)
      await Promise.all([client.clientCredentials(), client.clientCredentials({ scope: 'a' })])
      await client.clientCredentials({ scope: 'b' })
      expect(imports).toHaveBeenCalledTimes(1)
      expect(server.state.tokenRequests).toHaveLength(3)
    } finally {
      imports.mockRestore()
    }
  })
})

describe('buildEndSessionUrl()', () => {
  it('builds the logout URL, discovering first', async () => {
    const server = fakeAuthorizationServer()
    const client = createServerClient({ issuer, clientId: 'web', fetch: server.fetch })
    const url = await client.buildEndSessionUrl({
      state: 'bye',
      signal: new AbortController().signal,
    })
    expect(url.origin + url.pathname).toBe(metadata.end_session_endpoint)
    expect(Object.fromEntries(url.searchParams)).toEqual({ client_id: 'web', state: 'bye' })
    expect(server.state.discoveries).toBe(1)
  })

  it('passes its signal to the discovery', async () => {
    const server = fakeAuthorizationServer()
    const client = createServerClient({ issuer, clientId: 'web', fetch: server.fetch })
    await expect(client.buildEndSessionUrl({ signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'ERR_ABORTED',
    })
    expect(server.state.discoveries).toBe(0)
  })
})
