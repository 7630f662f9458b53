import { describe, expect, it } from 'vitest'
import type { IdTokenClaims } from '../src/authorization-code.js'
import { checkIdTokenClaims } from '../src/check-id-token-claims.js'

// at_hash (OIDC Core §3.1.3.8): the left half of the access token's hash under the hash of the ID
// Token's JWS `alg`, base64url-encoded. Computed here independently, with Node's crypto.
const { createHash } = await import('node:crypto')
const accessToken = 'an-access-token'
const atHash = (hash: string) =>
  createHash(hash)
    .update(accessToken)
    .digest()
    .subarray(0, createHash(hash).digest().length / 2)
    .toString('base64url')
const idTokenWithAlg = (alg: string) =>
  `${Buffer.from(JSON.stringify({ alg })).toString('base64url')}.e30.sig`
const claims = (at_hash: string) =>
  ({ iss: 'https://as', sub: 'user', aud: 'app', exp: 2e9, iat: 1, at_hash }) as IdTokenClaims
const check = (alg: string, hash: string) =>
  checkIdTokenClaims(claims(hash), {
    clientId: 'app',
    accessToken,
    idToken: idTokenWithAlg(alg),
    clockTolerance: 0,
  })

describe('checkIdTokenClaims: at_hash under each JWS algorithm', () => {
  const families: [string, string][] = [
    ['RS256', 'sha256'],
    ['PS256', 'sha256'],
    ['ES256', 'sha256'],
    ['RS384', 'sha384'],
    ['PS384', 'sha384'],
    ['ES384', 'sha384'],
    ['RS512', 'sha512'],
    ['PS512', 'sha512'],
    ['ES512', 'sha512'],
    ['EdDSA', 'sha512'],
    ['Ed25519', 'sha512'],
  ]
  for (const [alg, hash] of families) {
    it(`${alg}: accepts the ${hash} at_hash, refuses another hash's`, async () => {
      await expect(check(alg, atHash(hash))).resolves.toBeUndefined()
      const other = hash === 'sha256' ? 'sha384' : 'sha256'
      await expect(check(alg, atHash(other))).rejects.toMatchObject({
        code: 'ERR_ID_TOKEN_INVALID',
        message: 'invalid ID Token: "at_hash" does not match the access token (OIDC Core §3.1.3.8)',
      })
    })
  }

  for (const alg of ['HS256', 'RS1', 'ES256K', 'RS2560', 'xRS256']) {
    it(`${alg}: at_hash cannot be checked, so the ID Token is refused`, async () => {
      await expect(check(alg, atHash('sha256'))).rejects.toMatchObject({
        code: 'ERR_ID_TOKEN_INVALID',
        message: `invalid ID Token: "at_hash" cannot be checked for alg ${alg}`,
      })
    })
  }
})
