import * as oauth from 'oauth4webapi'
import { invalidArgument } from './assert.js'

/** How a client authenticates at the token endpoint (RFC 6749 §2.3, RFC 7523 §2.2). */
export type ClientAuthMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'private_key_jwt'
  | 'none'

/** A private JSON Web Key (RFC 7517), with `d`. */
export type PrivateJwk = oauth.JWK & { d?: string; kid?: string }

/** Options of {@link createClientAuth}. */
export interface ClientAuthOptions {
  /**
   * The method. Default: `client_secret_basic` with a `clientSecret`, `private_key_jwt` with a
   * `privateKey`, otherwise `none`.
   */
  method?: ClientAuthMethod
  /** The client secret, for `client_secret_basic` and `client_secret_post`. */
  clientSecret?: string
  /**
   * The private key for `private_key_jwt`: a non-extractable `CryptoKey`, or a private JWK (with
   * `d`) whose `alg` is taken from `jwk.alg` or derived from its key type and curve.
   */
  privateKey?: oauth.CryptoKey | PrivateJwk
  /** The `kid` of the assertion's header; defaults to the JWK's `kid`. */
  keyId?: string
}

/**
 * Resolves the method {@link createClientAuth} will use, validating the options synchronously so
 * that a misconfigured client fails when it is created, before any I/O.
 *
 * @throws `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` naming the option.
 */
export function resolveClientAuthMethod(options: ClientAuthOptions): ClientAuthMethod {
  const { clientSecret, privateKey } = options
  if (clientSecret !== undefined && (typeof clientSecret !== 'string' || clientSecret === '')) {
    throw invalidArgument('clientSecret', 'a non-empty string')
  }
  if (privateKey !== undefined) assertPrivateKey(privateKey)
  const method =
    options.method ??
    (clientSecret ? 'client_secret_basic' : privateKey ? 'private_key_jwt' : 'none')
  switch (method) {
    case 'client_secret_basic':
    case 'client_secret_post':
      if (!clientSecret) throw invalidArgument('clientSecret', `set for ${method}`)
      break
    case 'private_key_jwt':
      if (!privateKey) throw invalidArgument('privateKey', 'set for private_key_jwt')
      break
    case 'none':
      break
    default:
      throw invalidArgument(
        'clientAuthMethod',
        'client_secret_basic, client_secret_post, private_key_jwt or none',
        'ERR_INVALID_ARG_VALUE',
      )
  }
  return method
}

/**
 * Builds oauth4webapi's client authentication for the token, introspection and revocation
 * endpoints. Async because a private JWK is imported with WebCrypto (non-extractable).
 *
 * @throws `ERR_INVALID_ARG_*` for missing or malformed credentials.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
 */
export async function createClientAuth(options: ClientAuthOptions): Promise<oauth.ClientAuth> {
  const method = resolveClientAuthMethod(options)
  switch (method) {
    case 'client_secret_basic':
      return oauth.ClientSecretBasic(options.clientSecret as string)
    case 'client_secret_post':
      return oauth.ClientSecretPost(options.clientSecret as string)
    case 'private_key_jwt': {
      const privateKey = options.privateKey as oauth.CryptoKey | PrivateJwk
      const key = isCryptoKey(privateKey) ? privateKey : await importPrivateJwk(privateKey)
      const kid =
        options.keyId ??
        (isCryptoKey(privateKey) ? undefined : (privateKey as { kid?: string }).kid)
      return oauth.PrivateKeyJwt(kid ? { key, kid } : key)
    }
    default:
      return oauth.None()
  }
}

/**
 * Whether `value` is a WebCrypto `CryptoKey` (rather than a JWK), where the runtime has the class.
 *
 * On `@oauthkit/core/internal`: no semver promise.
 */
export function isCryptoKey(value: unknown): value is oauth.CryptoKey {
  const CryptoKeyClass = (globalThis as { CryptoKey?: abstract new () => unknown }).CryptoKey
  return CryptoKeyClass !== undefined && value instanceof CryptoKeyClass
}

function assertPrivateKey(value: unknown): void {
  if (isCryptoKey(value)) {
    if (value.type !== 'private') {
      throw invalidArgument('privateKey', 'a private key', 'ERR_INVALID_ARG_VALUE')
    }
    return
  }
  if (typeof value !== 'object' || value === null) {
    throw invalidArgument('privateKey', 'a CryptoKey or a private JWK')
  }
  const jwk = value as PrivateJwk
  if (typeof jwk.d !== 'string' || typeof jwk.kty !== 'string') {
    throw invalidArgument('privateKey', 'a private JWK (with "d")', 'ERR_INVALID_ARG_VALUE')
  }
  if (!algorithmOf(jwk)) {
    throw invalidArgument('privateKey', 'an RSA, EC or Ed25519 JWK', 'ERR_INVALID_ARG_VALUE')
  }
}

interface ImportParams {
  name: string
  namedCurve?: string
  hash?: string
}

function algorithmOf(jwk: PrivateJwk): ImportParams | undefined {
  const alg = jwk.alg
  if (jwk.kty === 'EC') {
    const curves: Record<string, string> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' }
    const expected = jwk.crv ? curves[jwk.crv] : undefined
    if (!expected || (alg !== undefined && alg !== expected)) return undefined
    return { name: 'ECDSA', namedCurve: jwk.crv as string }
  }
  if (jwk.kty === 'RSA') {
    const match = /^(RS|PS)(256|384|512)$/.exec(alg ?? 'RS256')
    if (!match) return undefined
    return {
      name: match[1] === 'PS' ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5',
      hash: `SHA-${match[2]}`,
    }
  }
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return { name: 'Ed25519' }
  return undefined
}

// Typed locally: Node's and the WebWorker lib's WebCrypto typings disagree on `importKey`.
interface JwkImporter {
  importKey(
    format: 'jwk',
    key: object,
    algorithm: ImportParams,
    extractable: boolean,
    usages: string[],
  ): Promise<oauth.CryptoKey>
}

async function importPrivateJwk(jwk: PrivateJwk): Promise<oauth.CryptoKey> {
  // Only the key material: `key_ops`/`use` of a signing JWK must not block the import.
  const { kid: _kid, use: _use, key_ops: _ops, ...material } = jwk
  const subtle = crypto.subtle as unknown as JwkImporter
  try {
    return await subtle.importKey('jwk', material, algorithmOf(jwk) as ImportParams, false, [
      'sign',
    ])
  } catch {
    throw invalidArgument('privateKey', 'a valid private JWK', 'ERR_INVALID_ARG_VALUE')
  }
}
