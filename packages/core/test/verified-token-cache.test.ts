// The verified-token cache must never accept a token that full verification would refuse. Every
// test compares against full verification or counts signature checks through a call-through spy
// on crypto.subtle.verify (oauth4webapi looks it up on each call); tokens are real, signed by jose.
import {
  AccessTokenError,
  createJwksCache,
  createVerifiedTokenCache,
  type JwksCache,
  type ServerMetadata,
  type VerifiedTokenCache,
  verifyJwtAccessToken,
} from '@oauthkit/core'
import { SignJWT } from 'jose'
import {
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  type MockInstance,
  vi,
} from 'vitest'
import {
  makeSigningKey,
  type SigningKey,
  signAccessToken,
} from '../../../test/fixtures/jwt-issuer.js'
import { refusal } from '../../../test/fixtures/refusal.js'

const issuer = 'https://as.example.com'
const audience = 'https://api.example.com'
const metadata: ServerMetadata = { issuer, jwks_uri: `${issuer}/jwks` }
// A whole second, so that `exp` lands exactly on a millisecond the fake clock can be set to.
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0)

interface TokenOptions {
  key?: SigningKey
  kid?: string
  claims?: Record<string, unknown>
}
const sign = ({ key = keyA, kid, claims }: TokenOptions = {}) =>
  signAccessToken(key, { issuer, audience, kid, claims })

// A JWKS endpoint behind an injected fetch; the test changes its keys and counts its requests.
function jwksServer(initial: SigningKey[]) {
  const state = {
    keys: initial.map((key) => key.jwk),
    requests: 0,
    // While set, requests wait for it and then fail.
    outage: undefined as Promise<void> | undefined,
  }
  const fetch = (async () => {
    state.requests++
    if (state.outage) {
      await state.outage
      return new Response('down', { status: 503 })
    }
    return Response.json({ keys: state.keys })
  }) as typeof globalThis.fetch
  return { state, fetch }
}

let keyA: SigningKey
let keyB: SigningKey
let keyEd: SigningKey
let signatures: MockInstance
beforeAll(async () => {
  ;[keyA, keyB, keyEd] = await Promise.all([
    makeSigningKey('a'),
    makeSigningKey('b'),
    makeSigningKey('ed', 'EdDSA'),
  ])
})
beforeEach(() => {
  signatures = vi.spyOn(crypto.subtle, 'verify')
})
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

interface Setup {
  keys?: SigningKey[]
  jwks?: Parameters<typeof createJwksCache>[0]
  maxEntries?: number
}
function setup({ keys = [keyA, keyB, keyEd], jwks, maxEntries }: Setup = {}) {
  const server = jwksServer(keys)
  const jwksCache: JwksCache = createJwksCache(jwks)
  const cache: VerifiedTokenCache = createVerifiedTokenCache(
    maxEntries === undefined ? undefined : { maxEntries },
  )
  const http = { fetch: server.fetch }
  type Extra = {
    scopes?: string[]
    clockTolerance?: number
    metadata?: ServerMetadata
    audience?: string
    algorithms?: string[]
  }
  const options = (extra: Extra) => ({
    audience: extra.audience ?? audience,
    jwksCache,
    http,
    scopes: extra.scopes,
    clockTolerance: extra.clockTolerance,
    algorithms: extra.algorithms,
  })
  // The same verification with the cache, and without it (full verification every time).
  const cached = (input: string | Request, extra: Extra = {}) =>
    verifyJwtAccessToken(extra.metadata ?? metadata, input, {
      ...options(extra),
      verifiedTokenCache: cache,
    })
  const full = (input: string | Request, extra: Extra = {}) =>
    verifyJwtAccessToken(extra.metadata ?? metadata, input, options(extra))
  return { server, jwksCache, cache, cached, full }
}

type Outcome = { accepted: true; sub: unknown } | { accepted: false; status: number; code: string }
async function outcome(promise: Promise<{ sub?: unknown }>): Promise<Outcome> {
  try {
    return { accepted: true, sub: (await promise).sub }
  } catch (err) {
    expect(err).toBeInstanceOf(AccessTokenError)
    const { status, code } = err as AccessTokenError
    return { accepted: false, status, code }
  }
}

describe('verified-token cache', () => {
  it('checks the signature once for repeated presentations; each caller gets its own claims', async () => {
    const { cached, cache } = setup()
    const token = await sign()
    const first = await cached(`Bearer ${token}`)
    expect(signatures).toHaveBeenCalledTimes(1)
    Object.assign(first, { scope: 'admin', sub: 'mallory' })
    for (let i = 0; i < 20; i++) {
      const again = await cached(i % 2 ? token : `Bearer ${token}`)
      expect(again).toMatchObject({ sub: 'user-1', scope: 'read write' })
      expect(again).not.toBe(first)
      Object.assign(again, { scope: 'admin', aud: 'https://other.example.com' })
    }
    expect(signatures).toHaveBeenCalledTimes(1)
    expect(cache.hits).toBe(20)
    expect(cache.size).toBe(1)
  })

  it('without a cache, every presentation is verified', async () => {
    const { full } = setup()
    const token = await sign()
    for (let i = 0; i < 5; i++) await full(token)
    expect(signatures).toHaveBeenCalledTimes(5)
  })

  it('is used before exp only, with no clock tolerance added', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 })
    const { cached, full } = setup()
    const exp = T0 / 1000 + 60
    const token = await sign({ claims: { exp } })
    await cached(token)
    vi.setSystemTime(exp * 1000 - 1)
    await cached(token)
    expect(signatures).toHaveBeenCalledTimes(1)

    // At exp the cache no longer answers: full verification does, with its tolerance (5 s).
    vi.setSystemTime(exp * 1000)
    await expect(cached(token)).resolves.toMatchObject({ sub: 'user-1' })
    expect(signatures).toHaveBeenCalledTimes(2)
    await expect(cached(token)).resolves.toBeTruthy()
    expect(signatures).toHaveBeenCalledTimes(3) // not remembered again past exp

    // With no tolerance full verification refuses at exp, and so does the cached path.
    const strict = await refusal(cached(token, { clockTolerance: 0 }))
    expect(strict.code).toBe('OAUTH_JWT_TIMESTAMP_CHECK_FAILED')
    vi.setSystemTime(exp * 1000 + 6_000)
    for (const verify of [cached, full]) {
      const err = await refusal(verify(token))
      expect(err).toMatchObject({ status: 401, code: 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED' })
      expect(err.error_description).toBe('the access token expired')
    }
  })

  it('checks nbf on every presentation, as full verification does (clock stepping back)', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 })
    const { cached, cache } = setup()
    const now = T0 / 1000
    // Inside the 5-second tolerance: accepted and remembered.
    const soon = await sign({ claims: { nbf: now + 3 } })
    await cached(soon)
    await cached(soon)
    expect(cache.hits).toBe(1)
    vi.setSystemTime(T0 - 10_000)
    const err = await refusal(cached(soon))
    expect(err).toMatchObject({ code: 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED' })
    expect(err.error_description).toBe('the access token is not valid yet')
    expect(cache.hits).toBe(1)

    // Beyond the tolerance: refused, not remembered, accepted once its time has come.
    vi.setSystemTime(T0)
    const later = await sign({ claims: { nbf: now + 60, exp: now + 600 } })
    expect((await refusal(cached(later))).code).toBe('OAUTH_JWT_TIMESTAMP_CHECK_FAILED')
    expect((await refusal(cached(later))).code).toBe('OAUTH_JWT_TIMESTAMP_CHECK_FAILED')
    vi.setSystemTime(T0 + 60_000)
    await expect(cached(later)).resolves.toBeTruthy()
  })

  it("checks each call's required scopes on a cached token", async () => {
    const { cached, cache } = setup()
    const token = await sign({ claims: { scope: 'read write' } })
    await cached(token, { scopes: ['read'] })
    const err = await refusal(cached(token, { scopes: ['read', 'admin'] }))
    expect(err).toMatchObject({ status: 403, error: 'insufficient_scope', scope: 'read admin' })
    await expect(cached(token, { scopes: ['write', 'read'] })).resolves.toBeTruthy()
    expect(cache.hits).toBe(2)
    expect(signatures).toHaveBeenCalledTimes(1)
  })

  it('answers a one-character change anywhere in a cached token as full verification does', async () => {
    const { cached, full, cache } = setup()
    for (const key of [keyA, keyEd]) {
      const token = await sign({ key })
      await cached(token)
      let refused = 0
      for (let i = 0; i < token.length; i++) {
        const replacement = token[i] === 'A' ? 'B' : 'A'
        const tampered = token.slice(0, i) + replacement + token.slice(i + 1)
        const withCache = await outcome(cached(tampered))
        expect(withCache).toEqual(await outcome(full(tampered)))
        if (!withCache.accepted) refused++
      }
      // Only a change in the signature's unused trailing bits decodes to the same signature.
      expect(refused).toBeGreaterThanOrEqual(token.length - 1)
      const hits = cache.hits
      await expect(cached(token)).resolves.toMatchObject({ sub: 'user-1' })
      expect(cache.hits).toBe(hits + 1)
    }
  })

  it('refuses the same header and payload under another signature', async () => {
    const { cached, full } = setup()
    const token = await sign()
    await cached(token)
    const [header, payload] = token.split('.') as [string, string]
    const other = await new SignJWT(JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))))
      .setProtectedHeader({ alg: 'RS256', kid: 'a', typ: 'at+jwt' })
      .sign(keyB.privateKey)
    const forged = `${header}.${payload}.${other.split('.')[2]}`
    expect(forged.startsWith(`${header}.${payload}.`)).toBe(true)
    const err = await refusal(cached(forged))
    expect(err.error_description).toBe('the access token signature is invalid')
    expect(await outcome(cached(forged))).toEqual(await outcome(full(forged)))
  })

  it('stops honouring a token whose key left the JWKS, at the next refetch', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 })
    const { cached, server } = setup({ keys: [keyA, keyB], jwks: { maxAge: 60 } })
    const tokenA = await sign({ key: keyA })
    const tokenB = await sign({ key: keyB })
    await cached(tokenA)
    await cached(tokenB)
    server.state.keys = [keyB.jwk]
    vi.setSystemTime(T0 + 30_000)
    await cached(tokenA) // the key set in hand still has a: full verification would accept too
    vi.setSystemTime(T0 + 61_000)
    const err = await refusal(cached(tokenA))
    expect(err).toMatchObject({ status: 401, code: 'ERR_JWKS_NO_MATCHING_KEY' })
    expect(server.state.requests).toBe(2)
    await expect(cached(tokenB)).resolves.toBeTruthy()
  })

  it('refuses a cached token once a refetch for an unknown kid drops its key', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 })
    const { cached, server } = setup({ keys: [keyA], jwks: { minRefetchInterval: 30 } })
    const token = await sign()
    await cached(token)
    server.state.keys = [keyB.jwk]
    vi.setSystemTime(T0 + 31_000)
    await cached(await sign({ key: keyB })) // unknown kid "b": the key set is refetched
    expect(server.state.requests).toBe(2)
    expect((await refusal(cached(token))).code).toBe('ERR_JWKS_NO_MATCHING_KEY')
  })

  it('refuses a cached token whose kid now names other key material', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 })
    const { cached, server } = setup({ keys: [keyA], jwks: { maxAge: 60 } })
    const token = await sign()
    await cached(token)
    server.state.keys = [{ ...keyB.jwk, kid: 'a' }]
    vi.setSystemTime(T0 + 61_000)
    const err = await refusal(cached(token))
    expect(err.error_description).toBe('the access token signature is invalid')
  })

  it('verifies again once after every key-set refetch, so entries live at most jwks maxAge', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 })
    const { cached, server } = setup({ jwks: { maxAge: 60 } })
    const token = await sign({ claims: { exp: T0 / 1000 + 3600 } })
    for (let minute = 0; minute < 5; minute++) {
      for (let i = 0; i < 10; i++) await cached(token)
      vi.setSystemTime(T0 + (minute + 1) * 61_000)
    }
    expect(server.state.requests).toBe(5)
    expect(signatures).toHaveBeenCalledTimes(5)
  })

  it('keeps at most maxEntries tokens, the least recently presented out first', async () => {
    const { cached, cache } = setup({ maxEntries: 2 })
    const [t1, t2, t3] = [await sign(), await sign(), await sign()] as [string, string, string]
    await cached(t1)
    await cached(t2)
    await cached(t1) // t1 is now the most recent
    expect(signatures).toHaveBeenCalledTimes(2)
    await cached(t3) // evicts t2
    expect(cache.size).toBe(2)
    await cached(t1)
    await cached(t3)
    expect(signatures).toHaveBeenCalledTimes(3)
    await cached(t2)
    expect(signatures).toHaveBeenCalledTimes(4)
    expect(cache.size).toBe(2)
  })

  it('never remembers a refusal', async () => {
    const { cached, cache } = setup()
    const forged = await sign({ key: keyB, kid: 'a' })
    const wrongAudience = await sign({ claims: { aud: 'https://other.example.com' } })
    for (let i = 0; i < 3; i++) {
      await refusal(cached(forged))
      await refusal(cached(wrongAudience))
    }
    // The forged one reaches the signature check every time (the other fails on its claims first).
    expect(signatures).toHaveBeenCalledTimes(3)
    expect(cache.size).toBe(0)
    expect(cache.hits).toBe(0)
  })

  it('serves an entry only to the audience it was verified for', async () => {
    const { cached, cache } = setup()
    const token = await sign()
    await cached(token)
    const err = await refusal(cached(token, { audience: 'https://other.example.com' }))
    expect(err.code).toBe('OAUTH_JWT_CLAIM_COMPARISON_FAILED')
    expect(cache.hits).toBe(0)
  })

  it('serves an entry only to the issuer it was verified for (issuers sharing a jwks_uri)', async () => {
    const { cached, cache } = setup()
    const token = await sign()
    await cached(token)
    const tenant = { issuer: `${issuer}/tenant`, jwks_uri: metadata.jwks_uri }
    const err = await refusal(cached(token, { metadata: tenant }))
    expect(err.code).toBe('OAUTH_JWT_CLAIM_COMPARISON_FAILED')
    expect(cache.hits).toBe(0)
    await expect(cached(token)).resolves.toBeTruthy() // verified again, remembered again
    await expect(cached(token)).resolves.toBeTruthy()
    expect(cache.hits).toBe(1)
  })

  it('remembers nothing when oauth4webapi refetched the key set on its own', async () => {
    // A custom JwksCache whose key set oauth4webapi deems too old: it downloads the JWKS itself,
    // so the set the entry would name is not the one the signature was checked with.
    const { server, cache } = setup({ keys: [keyA] })
    const stale = { keys: [] }
    const jwksCache: JwksCache = {
      fetchCount: 0,
      clear() {},
      async keysFor(at) {
        return { as: { ...at }, cache: { jwks: stale, uat: Math.floor(Date.now() / 1000) - 600 } }
      },
    }
    const verify = () =>
      verifyJwtAccessToken(metadata, token, {
        audience,
        jwksCache,
        verifiedTokenCache: cache,
        http: { fetch: server.fetch },
      })
    const token = await sign()
    await expect(verify()).resolves.toBeTruthy()
    expect(server.state.requests).toBe(1)
    expect(cache.size).toBe(0)
    server.state.keys = []
    expect((await refusal(verify())).status).toBe(401)
  })

  it('never serves a DPoP-bound token, nor a request that carries a DPoP proof', async () => {
    const { cached, cache } = setup()
    const bound = await sign({ claims: { cnf: { jkt: 'thumbprint' } } })
    for (let i = 0; i < 2; i++) await refusal(cached(bound))
    // An empty confirmation claim passes oauth4webapi as a Bearer token; still not remembered.
    const emptyCnf = await sign({ claims: { cnf: {} } })
    for (let i = 0; i < 3; i++) await cached(emptyCnf)
    expect(signatures).toHaveBeenCalledTimes(2 + 3) // each presentation verified in full
    expect(cache.size).toBe(0)

    const token = await sign()
    await cached(token)
    const withProof = new Request(`${audience}/things`, {
      headers: { authorization: `Bearer ${token}`, dpop: 'a.b.c' },
    })
    await refusal(cached(withProof)) // oauth4webapi now requires cnf and a valid proof
    const dpopScheme = new Request(`${audience}/things`, {
      headers: { authorization: `DPoP ${token}` },
    })
    await refusal(cached(dpopScheme))
    expect(cache.hits).toBe(0)
  })

  it('still refuses a cached token sent in the query string, another scheme or over the size', async () => {
    const { cached } = setup()
    const token = await sign()
    await cached(token)
    const query = await refusal(cached(new Request(`${audience}/things?access_token=${token}`)))
    expect(query).toMatchObject({ status: 400, error: 'invalid_request' })
    for (const header of [`Basic ${token}`, `DPoP ${token}`, `Bearer ${token} x`]) {
      expect((await refusal(cached(header))).status).toBe(400)
    }
    const tight = await refusal(
      verifyJwtAccessToken(metadata, token, {
        audience,
        maxTokenLength: 100,
        verifiedTokenCache: createVerifiedTokenCache(),
      }),
    )
    expect(tight.code).toBe('ERR_TOKEN_TOO_LARGE')
    const rs256Only = await refusal(
      verifyJwtAccessToken(metadata, await sign({ key: keyEd }), {
        audience,
        algorithms: ['RS256'],
        verifiedTokenCache: createVerifiedTokenCache(),
      }),
    )
    expect(rs256Only.error_description).toContain('algorithm')
  })

  it("applies each call's algorithm allow-list to a cached token", async () => {
    const { cached, cache } = setup()
    const token = await sign({ key: keyEd })
    await cached(token)
    const err = await refusal(cached(token, { algorithms: ['RS256', 'ES256'] }))
    expect(err.error_description).toContain('algorithm')
    await expect(cached(token, { algorithms: ['EdDSA'] })).resolves.toBeTruthy()
    expect(cache.hits).toBe(1)
  })

  it('clear() also applies to a verification already under way', async () => {
    const { cached, cache, server } = setup({ jwks: { minRefetchInterval: 0 } })
    const token = await sign()
    await cached(token)
    // A key set at hand is used without waiting; a refetch under way (here one for an unknown
    // kid, which then fails and leaves the same key set) is waited for.
    let restore = () => {}
    server.state.outage = new Promise<void>((resolve) => {
      restore = resolve
    })
    const unknownKid = refusal(cached(await sign({ kid: 'unknown' })))
    const pending = cached(token) // finds the entry, then waits for the key set
    cache.clear()
    restore()
    await expect(pending).resolves.toBeTruthy()
    expect((await unknownKid).code).toBe('ERR_JWKS_NO_MATCHING_KEY')
    expect(server.state.requests).toBe(2)
    expect(signatures).toHaveBeenCalledTimes(2)
    expect(cache.hits).toBe(0)
  })

  it('refuses a cache it did not create and bad options, before any I/O', async () => {
    const { server } = setup()
    const http = { fetch: server.fetch }
    for (const [options, code] of [
      [
        { verifiedTokenCache: { size: 0, hits: 0, maxEntries: 1, clear() {} } },
        'ERR_INVALID_ARG_TYPE',
      ],
      [{ clockTolerance: -1 }, 'ERR_INVALID_ARG_VALUE'],
      [{ clockTolerance: Number.NaN }, 'ERR_INVALID_ARG_VALUE'],
      [{ clockTolerance: '5' }, 'ERR_INVALID_ARG_TYPE'],
    ] as const) {
      await expect(
        verifyJwtAccessToken(metadata, 'x', { audience, http, ...(options as object) }),
      ).rejects.toMatchObject({ name: 'TypeError', code })
    }
    for (const [options, code] of [
      [{ maxEntries: 0 }, 'ERR_INVALID_ARG_VALUE'],
      [{ maxEntries: 1.5 }, 'ERR_INVALID_ARG_VALUE'],
      [{ maxEntries: '10' }, 'ERR_INVALID_ARG_TYPE'],
      [null, 'ERR_INVALID_ARG_TYPE'],
    ] as const) {
      expect(() => createVerifiedTokenCache(options as never)).toThrow(
        expect.objectContaining({ code }),
      )
    }
    expect(server.state.requests).toBe(0)
  })
})
