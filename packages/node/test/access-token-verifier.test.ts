// createAccessTokenVerifier's verified-token cache against a real local issuer (node:http:
// discovery and a JWKS whose keys the tests change), with tokens signed by jose. Signature checks
// are counted through a call-through spy on crypto.subtle.verify, which oauth4webapi looks up on
// every call; no module is mocked.
import { generateKeyPairSync } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  type AccessTokenVerifierOptions,
  createAccessTokenVerifier,
  withAccessToken,
} from '@oauthkit/node'
import type { JWK } from 'jose'
import {
  afterAll,
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

const audience = 'https://api.example.com'
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0)

let keyA: SigningKey
let keyB: SigningKey
let server: Server
let issuer: string
const published = { keys: [] as JWK[], jwksRequests: 0 }

beforeAll(async () => {
  ;[keyA, keyB] = await Promise.all([makeSigningKey('a', 'ES256'), makeSigningKey('b', 'ES256')])
  server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json')
    if (req.url === '/jwks') {
      published.jwksRequests++
      res.end(JSON.stringify({ keys: published.keys }))
      return
    }
    if (req.url === '/.well-known/openid-configuration') {
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks`, token_endpoint: `${issuer}/t` }))
      return
    }
    res.statusCode = 404
    res.end('{}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

let signatures: MockInstance
beforeEach(() => {
  published.keys = [keyA.jwk, keyB.jwk]
  published.jwksRequests = 0
  signatures = vi.spyOn(crypto.subtle, 'verify')
})
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

function verifierWith(options: Partial<AccessTokenVerifierOptions> = {}) {
  return createAccessTokenVerifier({ issuer, audience, allowInsecureRequests: true, ...options })
}

const sign = (claims: Record<string, unknown> = {}, key: SigningKey = keyA) =>
  signAccessToken(key, { issuer, audience, claims })

describe('createAccessTokenVerifier() verified-token cache', () => {
  it('is on by default: a repeated token is verified once, concurrent callers included', async () => {
    const verifier = verifierWith()
    expect(verifier.verifiedTokenCache).toMatchObject({ maxEntries: 1000, size: 0, hits: 0 })
    const token = await sign()
    await verifier.verify(`Bearer ${token}`)
    const claims = await Promise.all(
      Array.from({ length: 16 }, () => verifier.verify(`Bearer ${token}`)),
    )
    for (const c of claims) expect(c).toMatchObject({ sub: 'user-1', iss: issuer })
    expect(signatures).toHaveBeenCalledTimes(1)
    expect(verifier.verifiedTokenCache?.hits).toBe(16)
    expect(published.jwksRequests).toBe(1)
  })

  it('verifiedTokenCache: false verifies every presentation', async () => {
    const verifier = verifierWith({ verifiedTokenCache: false })
    expect(verifier.verifiedTokenCache).toBeUndefined()
    const token = await sign()
    for (let i = 0; i < 5; i++) await verifier.verify(token)
    expect(signatures).toHaveBeenCalledTimes(5)
  })

  it('verifiedTokenCache.maxEntries bounds what is remembered', async () => {
    const verifier = verifierWith({ verifiedTokenCache: { maxEntries: 1 } })
    const [t1, t2] = [await sign(), await sign()]
    for (const token of [t1, t2, t1, t2]) await verifier.verify(token)
    expect(signatures).toHaveBeenCalledTimes(4)
    expect(verifier.verifiedTokenCache?.size).toBe(1)
    await verifier.verify(t2)
    expect(signatures).toHaveBeenCalledTimes(4)
  })

  it('refuses a cached token once it expires', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 })
    const verifier = verifierWith({ clockTolerance: 0 })
    const token = await sign({ exp: T0 / 1000 + 30 })
    await verifier.verify(token)
    vi.setSystemTime(T0 + 29_000)
    await verifier.verify(token)
    expect(verifier.verifiedTokenCache?.hits).toBe(1)
    vi.setSystemTime(T0 + 30_000)
    const err = await refusal(verifier.verify(token))
    expect(err).toMatchObject({ status: 401, code: 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED' })
  })

  it('checks the scopes of every call, cached or not', async () => {
    const verifier = verifierWith()
    const token = await sign({ scope: 'read' })
    await verifier.verify(token, { scopes: ['read'] })
    const err = await refusal(verifier.verify(token, { scopes: ['write'] }))
    expect(err).toMatchObject({ status: 403, error: 'insufficient_scope', scope: 'write' })
    expect(verifier.verifiedTokenCache?.hits).toBe(1)
    // Through an adapter too: the route's scope is the call's.
    const handler = withAccessToken(verifier, () => new Response('ok'), { scopes: ['admin'] })
    const request = new Request(`${audience}/x`, { headers: { authorization: `Bearer ${token}` } })
    expect((await handler(request)).status).toBe(403)
  })

  it('refuses a tampered copy of a cached token, and keeps accepting the original', async () => {
    const verifier = verifierWith()
    const token = await sign()
    await verifier.verify(token)
    const [header, payload, signature] = token.split('.') as [string, string, string]
    const middle = signature.length >> 1
    const flipped = signature[middle] === 'A' ? 'B' : 'A'
    const tampered = `${header}.${payload}.${signature.slice(0, middle)}${flipped}${signature.slice(middle + 1)}`
    expect((await refusal(verifier.verify(tampered))).error_description).toBe(
      'the access token signature is invalid',
    )
    const resigned = await sign({ jti: 'other' }, keyB)
    const spliced = `${header}.${payload}.${resigned.split('.')[2]}`
    expect((await refusal(verifier.verify(spliced))).status).toBe(401)
    await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'user-1' })
    expect(verifier.verifiedTokenCache?.hits).toBe(1)
  })

  it('stops accepting a cached token whose key was removed from the JWKS, at the refetch', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 })
    const verifier = verifierWith({ jwksCache: { maxAge: 60 } })
    const token = await sign({ exp: T0 / 1000 + 3600 })
    await verifier.verify(token)
    published.keys = [keyB.jwk]
    vi.setSystemTime(T0 + 59_000)
    await verifier.verify(token) // the key set in hand is still the one the token was checked with
    vi.setSystemTime(T0 + 61_000)
    const err = await refusal(verifier.verify(token))
    expect(err).toMatchObject({ status: 401, code: 'ERR_JWKS_NO_MATCHING_KEY' })
    expect(published.jwksRequests).toBe(2)
  })

  it('never serves a DPoP-bound token or a request with a DPoP proof from the cache', async () => {
    const verifier = verifierWith()
    const bound = await sign({ cnf: { jkt: 'thumbprint' } })
    await refusal(verifier.verify(bound))
    await refusal(verifier.verify(bound))
    const token = await sign()
    await verifier.verify(token)
    const withProof = new Request(`${audience}/x`, {
      headers: { authorization: `Bearer ${token}`, dpop: 'a.b.c' },
    })
    await refusal(verifier.verify(withProof))
    expect(verifier.verifiedTokenCache?.hits).toBe(0)
    expect(verifier.verifiedTokenCache?.size).toBe(1)
  })

  it('rejects every bad option at construction, naming it', () => {
    const TYPE = 'ERR_INVALID_ARG_TYPE'
    const VALUE = 'ERR_INVALID_ARG_VALUE'
    const metadata = { issuer, jwks_uri: `${issuer}/jwks` }
    // A private RSA JWK without `alg`: decryption keys must say which algorithm they are for.
    const rsaEnc = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      format: 'jwk',
    }) as Record<string, unknown>
    for (const [options, code, name] of [
      [{ issuer: 42 }, TYPE, '"issuer"'],
      [{ issuer: 'not a url' }, VALUE, '"issuer"'],
      [{ issuer: `${issuer}#x` }, VALUE, '"issuer"'],
      [{ issuer: 'ftp://as.example.com' }, VALUE, '"issuer"'],
      [{ audience: '' }, TYPE, '"audience"'],
      [{ algorithms: 'RS256' }, TYPE, '"algorithms"'],
      [{ algorithms: [] }, VALUE, '"algorithms"'],
      [{ algorithms: ['RS256', 'HS256'] }, VALUE, '"algorithms"'],
      [{ algorithms: ['none'] }, VALUE, '"algorithms"'],
      [{ algorithms: ['RS265'] }, VALUE, '"algorithms"'],
      [{ verifiedTokenCache: 'yes' }, TYPE, '"verifiedTokenCache"'],
      [{ verifiedTokenCache: { maxEntries: 0 } }, VALUE, '"verifiedTokenCache.maxEntries"'],
      [{ verifiedTokenCache: { maxEntries: '5' } }, TYPE, '"verifiedTokenCache.maxEntries"'],
      [{ clockTolerance: -1 }, VALUE, '"clockTolerance"'],
      [{ clockTolerance: '5' }, TYPE, '"clockTolerance"'],
      [{ maxTokenLength: 0 }, VALUE, '"maxTokenLength"'],
      [{ maxTokenLength: 10.5 }, VALUE, '"maxTokenLength"'],
      [{ maxTokenLength: '8k' }, TYPE, '"maxTokenLength"'],
      [{ realm: 42 }, TYPE, '"realm"'],
      [{ realm: 'say "hi"' }, VALUE, '"realm"'],
      [{ realm: 'café' }, VALUE, '"realm"'],
      [{ jwksCache: 60 }, TYPE, '"jwksCache"'],
      [{ jwksCache: { maxAge: 'long' } }, TYPE, '"jwksCache.maxAge"'],
      [{ jwksCache: { maxAge: 3600 } }, VALUE, '"jwksCache.maxAge"'],
      [{ jwksCache: { maxStale: -1 } }, VALUE, '"jwksCache.maxStale"'],
      [{ fetch: 'fetch' }, TYPE, '"fetch"'],
      [{ timeout: 0 }, VALUE, '"timeout"'],
      [{ timeout: 2 ** 31 }, VALUE, '"timeout"'],
      [{ timeout: 0.5 }, VALUE, '"timeout"'],
      [{ timeout: '30s' }, TYPE, '"timeout"'],
      [{ allowInsecureRequests: 1 }, TYPE, '"allowInsecureRequests"'],
      [{ metadata: [] }, TYPE, '"metadata"'],
      [{ metadata: { issuer: `${issuer}/` } }, VALUE, '"metadata.issuer"'],
      [{ metadata: { issuer } }, TYPE, '"metadata.jwks_uri"'],
      [{ metadata: { ...metadata, jwks_uri: '/jwks' } }, VALUE, '"metadata.jwks_uri"'],
      [{ encryption: 'always' }, VALUE, '"encryption"'],
      [{ encryption: 'required' }, TYPE, '"decryptionKeys"'],
      [{ decryptionKeys: [] }, TYPE, '"decryptionKeys"'],
      [{ decryptionKeys: [rsaEnc] }, VALUE, '"decryptionKeys[0].alg"'],
      [{ decryptionKeys: [{ ...rsaEnc, alg: 'dir' }] }, VALUE, '"decryptionKeys[0].alg"'],
      [{ decryptionKeys: [{ ...rsaEnc, alg: 'ECDH-ES' }] }, VALUE, '"decryptionKeys[0].key"'],
      [
        { decryptionKeys: [{ ...rsaEnc, alg: 'RSA-OAEP-256', d: undefined }] },
        VALUE,
        '"decryptionKeys[0].key"',
      ],
      [
        { decryptionKeys: [{ ...rsaEnc, alg: 'RSA-OAEP-256', use: 'sig' }] },
        VALUE,
        '"decryptionKeys[0].key"',
      ],
      [
        { decryptionKeys: [{ key: rsaEnc, alg: 'RSA-OAEP-256', kid: 7 }] },
        TYPE,
        '"decryptionKeys[0].kid"',
      ],
      [{ decryptionKeys: [{ key: 'pem', alg: 'RSA-OAEP-256' }] }, TYPE, '"decryptionKeys[0].key"'],
      [{ decryptionKeys: [{ ...rsaEnc, alg: 'RSA-OAEP' }] }, VALUE, '"decryptionKeys[0].alg"'],
      [
        {
          decryptionKeys: [{ ...rsaEnc, alg: 'RSA-OAEP-256' }],
          keyManagementAlgorithms: ['PBES2-HS256+A128KW'],
        },
        VALUE,
        '"keyManagementAlgorithms"',
      ],
      [
        { decryptionKeys: [{ ...rsaEnc, alg: 'RSA-OAEP-256' }], contentEncryptionAlgorithms: [] },
        VALUE,
        '"contentEncryptionAlgorithms"',
      ],
      [
        { decryptionKeys: [{ ...rsaEnc, alg: 'RSA-OAEP-256' }], maxDecompressedBytes: 0 },
        VALUE,
        '"maxDecompressedBytes"',
      ],
    ] as const) {
      expect(() => verifierWith(options as never)).toThrow(
        expect.objectContaining({
          name: 'TypeError',
          code,
          message: expect.stringContaining(name),
        }),
      )
    }
    expect(published.jwksRequests).toBe(0)
  })

  it('accepts metadata for its issuer and then does not discover', async () => {
    let discoveries = 0
    const counting: typeof fetch = (input, init) => {
      if (String(input).endsWith('/.well-known/openid-configuration')) discoveries++
      return fetch(input, init)
    }
    const verifier = verifierWith({
      metadata: { issuer, jwks_uri: `${issuer}/jwks` },
      fetch: counting,
    })
    await expect(verifier.verify(await sign())).resolves.toMatchObject({ sub: 'user-1' })
    expect(discoveries).toBe(0)
  })
})
