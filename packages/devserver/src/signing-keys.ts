import type { JsonWebKey } from 'node:crypto'
import { generateKeyPair, randomUUID } from 'node:crypto'
import { promisify } from 'node:util'

const generate = promisify(generateKeyPair)

/** A generated key pair as JWKs. */
export interface JwkPair {
  privateJwk: JsonWebKey & { kid: string; alg: string; use: string }
  publicJwk: JsonWebKey & { kid: string; alg: string; use: string }
}

/** Generates a signing key pair: RSA 2048 (RS256), P-256 (ES256) or Ed25519 (EdDSA). */
export async function generateSigningKey(kind: 'RS256' | 'ES256' | 'EdDSA'): Promise<JwkPair> {
  const pair =
    kind === 'RS256'
      ? await generate('rsa', { modulusLength: 2048 })
      : kind === 'ES256'
        ? await generate('ec', { namedCurve: 'P-256' })
        : await generate('ed25519')
  const meta = { kid: `${kind.toLowerCase()}-${randomUUID().slice(0, 8)}`, alg: kind, use: 'sig' }
  return {
    privateJwk: { ...(pair.privateKey.export({ format: 'jwk' }) as JsonWebKey), ...meta },
    publicJwk: { ...(pair.publicKey.export({ format: 'jwk' }) as JsonWebKey), ...meta },
  }
}

/**
 * Generates a P-256 key pair for ECDH-ES (RFC 7518 §4.6), the key a client publishes in its
 * `jwks` so the server can encrypt ID Tokens and JWT responses to it.
 */
export async function generateEncryptionKey(): Promise<JwkPair> {
  const pair = await generate('ec', { namedCurve: 'P-256' })
  const meta = { kid: `enc-${randomUUID().slice(0, 8)}`, alg: 'ECDH-ES', use: 'enc' }
  return {
    privateJwk: { ...(pair.privateKey.export({ format: 'jwk' }) as JsonWebKey), ...meta },
    publicJwk: { ...(pair.publicKey.export({ format: 'jwk' }) as JsonWebKey), ...meta },
  }
}

/** The JWS algorithm (RFC 7518 §3.1) a private JWK signs with by default. */
export function algorithmForJwk(jwk: JsonWebKey): string {
  if (typeof jwk.alg === 'string') return jwk.alg
  if (jwk.kty === 'RSA') return 'RS256'
  if (jwk.kty === 'EC')
    return jwk.crv === 'P-384' ? 'ES384' : jwk.crv === 'P-521' ? 'ES512' : 'ES256'
  return 'EdDSA'
}

/** Strips the private members of a JWK (RFC 7517 §4, RFC 7518 §6). */
export function toPublicJwk(jwk: JsonWebKey): JsonWebKey {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, oth: _oth, k: _k, ...rest } = jwk
  return rest
}
