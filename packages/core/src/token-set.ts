import type { TokenEndpointResponse } from 'oauth4webapi'
import { invalidResponse, type OAuthKitError } from './errors.js'

/**
 * The tokens an authorization server issued, in oauthkit's camelCase shape.
 * Converted from the wire format (RFC 6749 §5.1) in exactly one place, {@link toTokenSet}.
 */
export interface TokenSet {
  /** The access token (RFC 6749 §1.4). */
  accessToken: string
  /** The token type as issued, for example `Bearer` or `DPoP`. */
  tokenType: string
  /**
   * When the access token expires, in epoch seconds, computed from `expires_in` at receipt.
   * Absent when the server did not say.
   */
  expiresAt?: number
  /** The refresh token (RFC 6749 §1.5), when one was issued. */
  refreshToken?: string
  /** The OpenID Connect ID Token, when one was issued. */
  idToken?: string
  /** The granted scope, when the server returned it. */
  scope?: string
  /**
   * When the token response was received, in epoch seconds. With `expiresAt` it gives the access
   * token's lifetime, from which {@link refreshAt} decides when to refresh. Absent only in token
   * sets made by hand or stored by an older version.
   */
  receivedAt?: number
}

/** Options of {@link toTokenSet}. */
export interface ToTokenSetOptions {
  /** The receipt time in milliseconds; defaults to `Date.now()`. */
  now?: number
}

/**
 * Converts a validated token endpoint response (RFC 6749 §5.1) into a {@link TokenSet}.
 * Expiry is computed from `expires_in` at receipt, never from the client clock against `exp`.
 *
 * @throws {@link OAuthKitError} `ERR_INVALID_RESPONSE` when a member is not what RFC 6749
 *   Appendix A allows: `access_token`/`refresh_token` not 1*VSCHAR, `token_type` not a type name,
 *   `expires_in` not a non-negative integer, `scope` not space-separated scope tokens, `id_token`
 *   not a compact JWS.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 * @see https://www.rfc-editor.org/rfc/rfc6749#appendix-A
 */
export function toTokenSet(response: TokenEndpointResponse, options?: ToTokenSetOptions): TokenSet {
  const { access_token, token_type, expires_in, refresh_token, id_token, scope } = response
  // Every member is checked against its ABNF (RFC 6749 Appendix A) before anything is stored:
  // a value a later request would send (a refresh token with a line break, say) is refused here.
  if (!isVsChars(access_token)) throw invalidMember('access_token')
  if (typeof token_type !== 'string' || !TYPE_NAME.test(token_type)) {
    throw invalidMember('token_type')
  }
  const receivedAt = Math.floor((options?.now ?? Date.now()) / 1000)
  const tokenSet: TokenSet = {
    accessToken: access_token,
    tokenType: canonicalTokenType(token_type),
    receivedAt,
  }
  if (expires_in !== undefined) {
    // Appendix A.14: 1*DIGIT. Number.isSafeInteger is false for strings, fractions and NaN.
    if (!(Number.isSafeInteger(expires_in) && expires_in >= 0)) throw invalidMember('expires_in')
    tokenSet.expiresAt = receivedAt + expires_in
  }
  if (refresh_token !== undefined) {
    if (!isVsChars(refresh_token)) throw invalidMember('refresh_token')
    tokenSet.refreshToken = refresh_token
  }
  if (id_token !== undefined) {
    if (
      typeof id_token !== 'string' ||
      !(COMPACT_JWS.test(id_token) || COMPACT_JWE.test(id_token))
    ) {
      throw invalidMember('id_token')
    }
    tokenSet.idToken = id_token
  }
  if (scope !== undefined) {
    // Appendix A.4: scope-token *( SP scope-token ); an empty string is tolerated as "no scope".
    if (typeof scope !== 'string' || (scope !== '' && !SCOPE.test(scope))) {
      throw invalidMember('scope')
    }
    if (scope !== '') tokenSet.scope = scope
  }
  return tokenSet
}

// RFC 6749 Appendix A.12/A.17: 1*VSCHAR, VSCHAR = %x20-7E.
const VS_CHARS = /^[\x20-\x7e]+$/
// Appendix A.13: type-name = 1*name-char, name-char = "-" / "." / "_" / DIGIT / ALPHA.
const TYPE_NAME = /^[-._0-9A-Za-z]+$/
// Appendix A.4: scope-token = 1*NQCHAR, NQCHAR = %x21 / %x23-5B / %x5D-7E.
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/
// OIDC Core §2: the ID Token is a JWT; a JWS in compact serialisation (RFC 7515 §7.1).
const COMPACT_JWS = /^[-_0-9A-Za-z]+\.[-_0-9A-Za-z]+\.[-_0-9A-Za-z]*$/
// OIDC Core §10.2: or an encrypted ID Token, a compact JWE (RFC 7516 §7.1) whose encrypted key is
// empty with direct key agreement (ECDH-ES). oauth4webapi has decrypted and validated it by now.
const COMPACT_JWE =
  /^[-_0-9A-Za-z]+\.[-_0-9A-Za-z]*\.[-_0-9A-Za-z]+\.[-_0-9A-Za-z]+\.[-_0-9A-Za-z]+$/

function isVsChars(value: unknown): value is string {
  return typeof value === 'string' && VS_CHARS.test(value)
}

function invalidMember(name: string): OAuthKitError {
  return invalidResponse(`token response has an invalid "${name}"`)
}

// RFC 6749 §5.1: token_type is case-insensitive; keep the spellings RFC 6750 and RFC 9449 use.
function canonicalTokenType(tokenType: string): string {
  const lower = tokenType.toLowerCase()
  if (lower === 'bearer') return 'Bearer'
  if (lower === 'dpop') return 'DPoP'
  return tokenType
}

/** Options of {@link isExpired}. */
export interface IsExpiredOptions {
  /** Seconds before the real expiry at which the token already counts as expired. Default 0. */
  skew?: number
  /** The current time in milliseconds; defaults to `Date.now()`. */
  now?: number
}

/**
 * Whether the access token of `tokenSet` has expired, or will within `skew` seconds.
 * A token set without `expiresAt` never counts as expired: its lifetime is unknown.
 */
export function isExpired(
  tokenSet: Pick<TokenSet, 'expiresAt'>,
  options?: IsExpiredOptions,
): boolean {
  if (tokenSet.expiresAt === undefined) return false
  const now = (options?.now ?? Date.now()) / 1000
  return now + (options?.skew ?? 0) >= tokenSet.expiresAt
}
