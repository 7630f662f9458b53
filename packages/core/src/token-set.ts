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
 * @throws {@link OAuthKitError} `ERR_INVALID_RESPONSE` when `access_token` or `token_type` is not a
 *   non-empty string, or `expires_in` is not a non-negative number.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
export function toTokenSet(response: TokenEndpointResponse, options?: ToTokenSetOptions): TokenSet {
  const { access_token, token_type, expires_in, refresh_token, id_token, scope } = response
  if (!isNonEmptyString(access_token)) throw invalidMember('access_token')
  if (!isNonEmptyString(token_type)) throw invalidMember('token_type')
  const tokenSet: TokenSet = {
    accessToken: access_token,
    tokenType: canonicalTokenType(token_type),
  }
  if (expires_in !== undefined) {
    // Number.isFinite is false for anything but a finite number: no string coercion.
    if (!(Number.isFinite(expires_in) && expires_in >= 0)) throw invalidMember('expires_in')
    const now = options?.now ?? Date.now()
    tokenSet.expiresAt = Math.floor(now / 1000) + Math.floor(expires_in)
  }
  if (isNonEmptyString(refresh_token)) tokenSet.refreshToken = refresh_token
  if (isNonEmptyString(id_token)) tokenSet.idToken = id_token
  if (typeof scope === 'string') tokenSet.scope = scope
  return tokenSet
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== ''
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
