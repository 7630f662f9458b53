import { AccessTokenError } from './access-token-error.js'
import { isCompactJwe, type JweDecryptor } from './create-jwe-decryptor.js'
import { isOAuthKitError, type OAuthKitErrorCode } from './errors.js'

/** How a resource server treats encrypted (nested JWT, JWE) access tokens. */
export interface AccessTokenDecryption {
  /** Decrypts JWE access tokens; without it every JWE is refused. */
  decryptor?: JweDecryptor | undefined
  /** Refuses plain JWS access tokens: every token must be encrypted. */
  requireEncryption?: boolean | undefined
}

/**
 * Whether verifying `token` involves the decryption step at all: a cheap test that keeps the
 * plain-JWS path synchronous and free of it.
 */
export function involvesDecryption(token: string, policy: AccessTokenDecryption): boolean {
  return policy.requireEncryption === true || isCompactJwe(token)
}

/**
 * The signed JWT inside an encrypted access token (RFC 9068 §2.1 allows encrypting the JWT,
 * RFC 7519 §5.2 nests it with `cty`), or `token` itself when it is a plain JWS and plain ones
 * are accepted. `skipDecryption` is for a token the verified-token cache already knows: the
 * policy is still applied, but the token is not decrypted again (its claims come from the cache).
 *
 * @throws {@link AccessTokenError} 401 `invalid_token`: `ERR_JWE_REQUIRED` (a plain JWS while
 *   encryption is required), `ERR_JWE_NOT_ACCEPTED` (a JWE and no decryption key), or the
 *   decryptor's `ERR_JWE_*` code.
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.1
 */
export async function openEncryptedAccessToken(
  token: string,
  policy: AccessTokenDecryption,
  skipDecryption: boolean,
  realm: string | undefined,
): Promise<string> {
  const encrypted = isCompactJwe(token)
  if (!encrypted) {
    if (policy.requireEncryption) {
      throw refusal('the access token must be encrypted', 'ERR_JWE_REQUIRED', realm)
    }
    return token
  }
  const { decryptor } = policy
  if (!decryptor) {
    throw refusal('encrypted access tokens are not accepted', 'ERR_JWE_NOT_ACCEPTED', realm)
  }
  if (skipDecryption) return token
  try {
    return (await decryptor.decrypt(token)).jwt
  } catch (err) {
    if (!isOAuthKitError(err)) throw err
    // The decryptor's messages name no key and no token part; they are safe to show.
    throw refusal(err.message, err.code, realm, err)
  }
}

function refusal(
  message: string,
  code: OAuthKitErrorCode,
  realm: string | undefined,
  cause?: unknown,
): AccessTokenError {
  return new AccessTokenError(message, { code, error: 'invalid_token', realm, cause })
}
