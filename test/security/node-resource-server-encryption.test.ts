/**
 * Encrypted (nested JWT, JWE) access tokens at `createAccessTokenVerifier().verify()`: what a
 * hostile sender can put in a JWE (RFC 7516) against the RFC 8725 rules (algorithm allow-list,
 * no PBES2/`dir`, no `zip` without a cap, no `crit`, a signed inner JWT, key chosen by the
 * configured `alg`/`kid` and never by the header), and tampering with each of the five parts.
 * Each is refused with a 401 `invalid_token` AccessTokenError that never contains the token.
 */
import { createAccessTokenVerifier } from '@oauthkit/node'
import { CompactEncrypt, exportJWK, generateKeyPair, type JWK } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { AUDIENCE, accessTokenClaims, useHostileServer } from './fixture.js'
import { expectRefusal } from './helpers.js'
import { b64url } from './hostile-server.js'

const server = useHostileServer()
const encoder = new TextEncoder()

interface EncryptionKey {
  publicKey: CryptoKey
  privateJwk: JWK
}
let rsa: EncryptionKey // RSA-OAEP-256, kid rsa-1
let ec: EncryptionKey // ECDH-ES+A256KW, kid ec-1
let other: EncryptionKey // RSA-OAEP-256, not configured

async function encryptionKey(alg: string, kid: string): Promise<EncryptionKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true })
  return { publicKey, privateJwk: { ...(await exportJWK(privateKey)), alg, kid, use: 'enc' } }
}

beforeAll(async () => {
  ;[rsa, ec, other] = await Promise.all([
    encryptionKey('RSA-OAEP-256', 'rsa-1'),
    encryptionKey('ECDH-ES+A256KW', 'ec-1'),
    encryptionKey('RSA-OAEP-256', 'rsa-1'),
  ])
})

type Options = Parameters<typeof createAccessTokenVerifier>[0]
const verifier = (options: Partial<Options> = {}) =>
  createAccessTokenVerifier({
    issuer: server().issuer,
    audience: AUDIENCE,
    allowInsecureRequests: true,
    timeout: 2_000,
    decryptionKeys: [rsa.privateJwk, ec.privateJwk],
    ...options,
  })

const now = () => Math.floor(Date.now() / 1000)
const signed = () => server().mintJwt(accessTokenClaims(server()), { header: { typ: 'at+jwt' } })

/** A compact JWE of `plaintext` with `header`, to `key` (jose writes it, so it is well formed). */
async function jwe(
  plaintext: string | Uint8Array,
  header: Record<string, unknown> = {},
  key: CryptoKey | Uint8Array = rsa.publicKey,
): Promise<string> {
  const token = await new CompactEncrypt(
    typeof plaintext === 'string' ? encoder.encode(plaintext) : plaintext,
  )
    .setProtectedHeader({
      alg: 'RSA-OAEP-256',
      enc: 'A256GCM',
      kid: 'rsa-1',
      cty: 'JWT',
      ...header,
    })
    .encrypt(key)
  server().secrets.add(token)
  return token
}

/** Replaces one character in the middle of part `index` of a compact JWE. */
function tamper(token: string, index: number): string {
  const parts = token.split('.')
  const part = parts[index] as string
  const at = Math.floor(part.length / 2)
  parts[index] = part.slice(0, at) + (part[at] === 'A' ? 'B' : 'A') + part.slice(at + 1)
  return parts.join('.')
}

/** A JWE whose protected header is exactly `header` (no library check on it), to `rsa`. */
async function withRawHeader(token: string, header: Record<string, unknown>): Promise<string> {
  const parts = token.split('.')
  parts[0] = b64url(JSON.stringify(header))
  return parts.join('.')
}

async function refused(token: string, code: string | RegExp, options: Partial<Options> = {}) {
  const err = await expectRefusal(verifier(options).verify(`Bearer ${token}`), code, [
    ...server().secrets,
    token,
  ])
  expect(err).toMatchObject({ name: 'AccessTokenError', status: 401, error: 'invalid_token' })
  const challenge = (err as unknown as { wwwAuthenticate: string }).wwwAuthenticate
  expect(challenge).toMatch(/^Bearer error="invalid_token"/)
  expect(challenge).not.toContain(token)
  return err
}

describe('encrypted access tokens: controls', () => {
  it('accepts the default algorithms: RSA-OAEP-256, ECDH-ES, ECDH-ES+A128KW/A256KW with A128GCM/A256GCM', async () => {
    const ecdh = await encryptionKey('ECDH-ES', 'ecdh-direct')
    const kw128 = await encryptionKey('ECDH-ES+A128KW', 'ecdh-128')
    const v = verifier({
      decryptionKeys: [rsa.privateJwk, ec.privateJwk, ecdh.privateJwk, kw128.privateJwk],
    })
    const cases: [string, string, EncryptionKey, string][] = [
      ['RSA-OAEP-256', 'A256GCM', rsa, 'rsa-1'],
      ['RSA-OAEP-256', 'A128GCM', rsa, 'rsa-1'],
      ['ECDH-ES+A256KW', 'A256GCM', ec, 'ec-1'],
      ['ECDH-ES', 'A128GCM', ecdh, 'ecdh-direct'],
      ['ECDH-ES+A128KW', 'A256GCM', kw128, 'ecdh-128'],
    ]
    for (const [alg, enc, key, kid] of cases) {
      const token = await jwe(await signed(), { alg, enc, kid }, key.publicKey)
      expect((await v.verify(`Bearer ${token}`, { scopes: ['api:read'] })).sub).toBe('user-1')
    }
  })

  it('accepts cty at+jwt and application/JWT, and a JWE without kid (keys for its alg are tried)', async () => {
    const v = verifier({ decryptionKeys: [other.privateJwk, rsa.privateJwk] })
    for (const header of [{ cty: 'at+jwt' }, { cty: 'application/JWT' }, { kid: undefined }]) {
      const token = await jwe(await signed(), header)
      expect((await v.verify(`Bearer ${token}`)).sub).toBe('user-1')
    }
  })

  it('still accepts plain JWS tokens unless encryption is required', async () => {
    const plain = await signed()
    expect((await verifier().verify(`Bearer ${plain}`)).sub).toBe('user-1')
    await refused(plain, 'ERR_JWE_REQUIRED', { encryption: 'required' })
  })

  it('refuses every JWE without decryption keys, or with encryption "refused"', async () => {
    const token = await jwe(await signed())
    await refused(token, 'ERR_JWE_NOT_ACCEPTED', { decryptionKeys: undefined })
    await refused(token, 'ERR_JWE_NOT_ACCEPTED', { encryption: 'refused' })
  })

  it('the verified-token cache answers a repeated JWE without decrypting it again', async () => {
    const v = verifier()
    const token = await jwe(await signed())
    for (let i = 0; i < 5; i++) expect((await v.verify(`Bearer ${token}`)).sub).toBe('user-1')
    expect(v.verifiedTokenCache?.hits).toBe(4)
    // A tampered copy is not the cached token: full decryption, refused.
    await expect(v.verify(`Bearer ${tamper(token, 4)}`)).rejects.toMatchObject({
      code: 'ERR_JWE_DECRYPTION_FAILED',
    })
    // The cached entry still honours "required"/"refused" of the verifier asking.
    expect(v.verifiedTokenCache?.hits).toBe(4)
  })

  it('a remembered JWE whose key set was refetched is decrypted and verified again in full', async () => {
    // maxAge 0: every call refetches the JWKS, so no cache entry can answer (it is tied to the
    // key set its signature was checked against) and each repeat is a full verification.
    const v = verifier({ jwksCache: { maxAge: 0, minRefetchInterval: 0 } })
    const token = await jwe(await signed())
    for (let i = 0; i < 3; i++) expect((await v.verify(`Bearer ${token}`)).sub).toBe('user-1')
    expect(v.verifiedTokenCache?.hits).toBe(0)
  })
})

describe('encrypted access tokens: RFC 8725 rules', () => {
  it('refuses an alg outside the allow-list (RSA-OAEP, A128KW, dir, PBES2)', async () => {
    const inner = await signed()
    // RSA-OAEP (SHA-1) named in the header of a token encrypted with RSA-OAEP-256.
    const sha1 = await withRawHeader(await jwe(inner), {
      alg: 'RSA-OAEP',
      enc: 'A256GCM',
      kid: 'rsa-1',
      cty: 'JWT',
    })
    await refused(sha1, 'ERR_JWE_NOT_ALLOWED')
    const secret = crypto.getRandomValues(new Uint8Array(16))
    await refused(
      await jwe(inner, { alg: 'A128KW', enc: 'A128GCM' }, secret),
      'ERR_JWE_NOT_ALLOWED',
    )
    await refused(await jwe(inner, { alg: 'dir', enc: 'A128GCM' }, secret), 'ERR_JWE_NOT_ALLOWED')
    const password = encoder.encode('correct horse battery staple')
    await refused(
      await jwe(inner, { alg: 'PBES2-HS256+A128KW', p2c: 1000 }, password),
      'ERR_JWE_NOT_ALLOWED',
    )
  })

  it('PBES2, dir and shared-secret key wraps cannot even be configured', () => {
    const thrown = (fn: () => unknown): { code?: string; message?: string } => {
      try {
        fn()
      } catch (err) {
        return err as { code?: string; message?: string }
      }
      throw new Error('did not throw')
    }
    for (const alg of ['PBES2-HS256+A128KW', 'dir', 'A256KW', 'RSA1_5']) {
      const err = thrown(() => verifier({ keyManagementAlgorithms: [alg] }))
      expect(err.code).toBe('ERR_INVALID_ARG_VALUE')
      expect(err.message).toMatch(/^"keyManagementAlgorithms"/)
    }
    const err = thrown(() => verifier({ contentEncryptionAlgorithms: ['A128KW'] }))
    expect(err).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' })
  })

  it('refuses an enc outside the allow-list', async () => {
    await refused(await jwe(await signed(), { enc: 'A128CBC-HS256' }), 'ERR_JWE_NOT_ALLOWED')
    await refused(await jwe(await signed(), { enc: 'A192GCM' }), 'ERR_JWE_NOT_ALLOWED')
  })

  it('refuses zip unless enabled, and then a plaintext over the cap (decompression bomb)', async () => {
    const inner = await signed()
    // jose deflates the plaintext itself when the header says zip.
    const zipped = await jwe(inner, { zip: 'DEF' })
    await refused(zipped, 'ERR_JWE_NOT_ALLOWED')
    expect((await verifier({ maxDecompressedBytes: 4096 }).verify(`Bearer ${zipped}`)).sub).toBe(
      'user-1',
    )
    // 1 MB of zeros deflates to about 1 KB: small on the wire, huge once inflated.
    const bomb = await jwe(new Uint8Array(1_000_000), { zip: 'DEF' })
    expect(bomb.length).toBeLessThan(8192)
    await refused(bomb, 'ERR_JWE_NOT_ALLOWED', { maxDecompressedBytes: 4096 })
  })

  it('refuses crit extensions', async () => {
    const token = await withRawHeader(await jwe(await signed()), {
      alg: 'RSA-OAEP-256',
      enc: 'A256GCM',
      kid: 'rsa-1',
      cty: 'JWT',
      crit: ['exp'],
      exp: 1,
    })
    await refused(token, 'ERR_JWE_NOT_ALLOWED')
  })

  it('refuses a JWE whose content is not a signed JWT: claims JSON, alg none, or no cty', async () => {
    const claims = JSON.stringify({ iss: server().issuer, aud: AUDIENCE, sub: 'user-1' })
    await refused(await jwe(claims), 'ERR_JWE_INVALID')
    const none = `${b64url('{"alg":"none","typ":"at+jwt"}')}.${(await signed()).split('.')[1]}.c2ln`
    await refused(await jwe(none), 'ERR_JWE_INVALID')
    await refused(await jwe(await signed(), { cty: undefined }), 'ERR_JWE_INVALID')
    await refused(await jwe(await signed(), { cty: 'json' }), 'ERR_JWE_INVALID')
  })

  it('verifies the inner JWT in full: a bad signature inside a good JWE is refused', async () => {
    const [header, payload, signature] = (await signed()).split('.') as [string, string, string]
    const at = Math.floor(signature.length / 2)
    const flipped =
      signature.slice(0, at) + (signature[at] === 'A' ? 'B' : 'A') + signature.slice(at + 1)
    const err = await refused(await jwe(`${header}.${payload}.${flipped}`), /^OAUTH_/)
    expect(err).toMatchObject({ error_description: 'the access token signature is invalid' })
    // And its claims: a JWE of a token for another audience.
    const elsewhere = await server().mintJwt(
      {
        iss: server().issuer,
        sub: 'u',
        aud: 'https://other.example',
        client_id: 'x',
        iat: now(),
        exp: now() + 60,
        jti: 'j',
      },
      { header: { typ: 'at+jwt' } },
    )
    const other = await refused(await jwe(elsewhere), /^OAUTH_/)
    expect(other).toMatchObject({
      error_description: 'the access token is meant for another audience',
    })
  })

  it('never lets the header pick the key: unknown kid, a kid with another alg, a key of another type', async () => {
    const inner = await signed()
    await refused(await jwe(inner, { kid: 'nobody' }), 'ERR_JWE_NO_MATCHING_KEY')
    // The EC key's kid with RSA-OAEP-256: the configured key for ec-1 is for ECDH only.
    await refused(await jwe(inner, { kid: 'ec-1' }), 'ERR_JWE_NO_MATCHING_KEY')
    // ECDH-ES+A256KW naming the RSA key's kid: no RSA key is ever used for ECDH.
    await refused(
      await jwe(inner, { alg: 'ECDH-ES+A256KW', kid: 'rsa-1' }, ec.publicKey),
      'ERR_JWE_NO_MATCHING_KEY',
    )
    // The right kid and alg, encrypted to another key pair (an attacker's guess).
    await refused(await jwe(inner, {}, other.publicKey), 'ERR_JWE_DECRYPTION_FAILED')
  })

  it('an oversized JWE is refused before any decryption', async () => {
    const big = await jwe(`${await signed()}${'x'.repeat(10_000)}`)
    await refused(big, 'ERR_TOKEN_TOO_LARGE')
  })
})

describe('encrypted access tokens: tampering with each of the five parts', () => {
  const parts = ['protected header', 'encrypted key', 'initialization vector', 'ciphertext', 'tag']
  for (const [index, part] of parts.entries()) {
    it(`refuses a JWE whose ${part} was altered`, async () => {
      const token = await jwe(await signed())
      // A changed header character breaks its JSON, changes a checked member, or changes the AAD.
      const code =
        index === 0
          ? /^ERR_JWE_(INVALID|NOT_ALLOWED|DECRYPTION_FAILED)$/
          : 'ERR_JWE_DECRYPTION_FAILED'
      const err = await refused(tamper(token, index), code)
      expect(err.message).not.toContain(token.split('.')[index])
    })
  }

  it('refuses a protected header re-encoded with a member added (it is the AAD)', async () => {
    const token = await jwe(await signed())
    const altered = await withRawHeader(token, {
      alg: 'RSA-OAEP-256',
      enc: 'A256GCM',
      kid: 'rsa-1',
      cty: 'JWT',
      note: 'changed',
    })
    await refused(altered, 'ERR_JWE_DECRYPTION_FAILED')
  })

  it('refuses parts swapped in from another JWE', async () => {
    const [a, b] = [await jwe(await signed()), await jwe(await signed())]
    const pa = a.split('.')
    const pb = b.split('.')
    for (const index of [1, 2, 3, 4]) {
      const mixed = [...pa]
      mixed[index] = pb[index] as string
      await refused(mixed.join('.'), 'ERR_JWE_DECRYPTION_FAILED')
    }
  })
})
