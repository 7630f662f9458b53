import type * as oauth from 'oauth4webapi'

/**
 * The codes of oauth4webapi's processing errors, which oauthkit passes through unchanged (for
 * example `OAUTH_JWT_CLAIM_COMPARISON_FAILED`) so that oauth4webapi's documentation still applies.
 * Its error-response codes (`OAUTH_RESPONSE_BODY_ERROR`, `OAUTH_AUTHORIZATION_RESPONSE_ERROR`,
 * `OAUTH_WWW_AUTHENTICATE_CHALLENGE`) never reach callers: those become {@link OAuthResponseError}.
 */
export type OAuth4WebApiErrorCode =
  | typeof oauth.PARSE_ERROR
  | typeof oauth.INVALID_RESPONSE
  | typeof oauth.INVALID_REQUEST
  | typeof oauth.RESPONSE_IS_NOT_JSON
  | typeof oauth.RESPONSE_IS_NOT_CONFORM
  | typeof oauth.HTTP_REQUEST_FORBIDDEN
  | typeof oauth.REQUEST_PROTOCOL_FORBIDDEN
  | typeof oauth.JWT_TIMESTAMP_CHECK
  | typeof oauth.JWT_CLAIM_COMPARISON
  | typeof oauth.JSON_ATTRIBUTE_COMPARISON
  | typeof oauth.KEY_SELECTION
  | typeof oauth.MISSING_SERVER_METADATA
  | typeof oauth.INVALID_SERVER_METADATA
  | typeof oauth.JWT_USERINFO_EXPECTED
  | typeof oauth.UNSUPPORTED_OPERATION

/**
 * Every `code` an oauthkit error can carry: a closed union, so a `switch` over it is checked.
 * What each one means and what to do about it: `docs/errors.md`.
 */
export type OAuthKitErrorCode =
  // The server answered with an OAuth error (`OAuthResponseError`).
  | 'ERR_OAUTH_RESPONSE'
  | 'ERR_ACCESS_DENIED'
  | 'ERR_LOGIN_REQUIRED'
  | 'ERR_DEVICE_CODE_EXPIRED'
  // Transport: retryable, a session is kept.
  | 'ERR_NETWORK'
  | 'ERR_TIMEOUT'
  | 'ERR_ABORTED'
  | 'ERR_SERVER'
  // The server's answer or configuration.
  | 'ERR_DISCOVERY_FAILED'
  | 'ERR_ISSUER_MISMATCH'
  | 'ERR_INSECURE_REQUEST'
  | 'ERR_INVALID_RESPONSE'
  | 'ERR_RESPONSE_TOO_LARGE'
  | 'ERR_JWKS_FAILED'
  | 'ERR_UNSUPPORTED'
  | 'ERR_SUBJECT_MISMATCH'
  | 'ERR_ID_TOKEN_INVALID'
  | 'ERR_LOGOUT_TOKEN_INVALID'
  // Logins (the callback and the browser).
  | 'ERR_STATE_MISMATCH'
  | 'ERR_TRANSACTION_MISSING'
  | 'ERR_BROWSER'
  | 'ERR_LOOPBACK'
  // @oauthkit/react: a hook used outside <AuthProvider>.
  | 'ERR_NO_AUTH_PROVIDER'
  // JWTs: display decoding and resource-server verification (`AccessTokenError`).
  | 'ERR_JWT_MALFORMED'
  | 'ERR_JWT_INVALID'
  | 'ERR_TOKEN_MISSING'
  | 'ERR_TOKEN_TOO_LARGE'
  | 'ERR_INVALID_REQUEST'
  | 'ERR_INVALID_TOKEN'
  | 'ERR_INSUFFICIENT_SCOPE'
  | 'ERR_JWKS_NO_MATCHING_KEY'
  // Encrypted tokens (JWE, RFC 7516): the decryptor and the verifier's encryption policy.
  | 'ERR_JWE_NOT_ACCEPTED'
  | 'ERR_JWE_REQUIRED'
  | 'ERR_JWE_INVALID'
  | 'ERR_JWE_NOT_ALLOWED'
  | 'ERR_JWE_NO_MATCHING_KEY'
  | 'ERR_JWE_DECRYPTION_FAILED'
  // Stores (the CLI's token file, the client-credentials cache).
  | 'ERR_STORE_FAILED'
  | 'ERR_STORE_LOCKED'
  | 'ERR_STORE_CORRUPT'
  | 'ERR_STORE_DECRYPTION_FAILED'
  // A store shared by processes (@oauthkit/redis): out of reach, or a write whose lock expired.
  | 'ERR_STORE_UNAVAILABLE'
  | 'ERR_LOCK_LOST'
  // Reported (`onError`), not thrown: a best-effort revocation of a discarded refresh token.
  | 'ERR_REVOCATION_FAILED'
  // The `oauthkit` command was called wrongly.
  | 'ERR_USAGE'
  // Anything else a dependency threw; `cause` says what.
  | 'ERR_UNEXPECTED'
  | OAuth4WebApiErrorCode

/** Options accepted by {@link OAuthKitError}. */
export interface OAuthKitErrorOptions {
  /** What went wrong, as a stable machine-readable code. */
  code: OAuthKitErrorCode
  /** The underlying error. Never a raw response body: bodies may hold tokens. */
  cause?: unknown
  /** The HTTP status of the response that caused the error, when there was one. */
  status?: number | undefined
}

/**
 * Every operational failure in oauthkit: the network, the server's answer, a failed check.
 * Branch on `code`, never on the message. Messages never contain tokens, codes, verifiers or
 * secrets.
 */
export class OAuthKitError extends Error {
  // A literal: survives minification, unlike `this.constructor.name`.
  override readonly name: string = 'OAuthKitError'
  // `declare`: assigned in the constructor, so no class-field definition is emitted.
  /** A stable code naming the problem. */
  declare readonly code: OAuthKitErrorCode
  /**
   * The HTTP status that goes with the error, when there is one: the server's, on
   * {@link OAuthResponseError} and on `ERR_SERVER` (a 5xx without an OAuth error: retry later);
   * the one to answer with, on `AccessTokenError`.
   */
  declare readonly status?: number

  constructor(message: string, options: OAuthKitErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = options.code
    if (options.status !== undefined) this.status = options.status
  }
}

/**
 * The `ERR_INVALID_RESPONSE` error: the server's answer is not what the protocol prescribes.
 *
 * @internal
 */
export function invalidResponse(message: string): OAuthKitError {
  return new OAuthKitError(message, { code: 'ERR_INVALID_RESPONSE' })
}

/**
 * `err` as an `ERR_ACCESS_DENIED` {@link OAuthResponseError} when it is the server's
 * `access_denied` (RFC 6749 §4.1.2.1, RFC 8628 §3.5: the user said no), with `message` and `err`
 * as `cause`; any other error unchanged.
 *
 * On `@oauthkit/core/internal`: no semver promise.
 */
export function accessDenied<E>(
  err: E,
  message = 'the user denied the authorization request',
): E | OAuthResponseError {
  if (!isOAuthResponseError(err) || err.error !== 'access_denied') return err
  return new OAuthResponseError(message, {
    error: err.error,
    error_description: err.error_description,
    status: err.status,
    code: 'ERR_ACCESS_DENIED',
    cause: err,
  })
}

/** Options accepted by {@link OAuthResponseError}. */
export interface OAuthResponseErrorOptions {
  /** The OAuth `error` code, in its wire spelling. */
  error: string
  /** The server's `error_description`, as plain text. */
  error_description?: string | undefined
  /** The HTTP status, absent for front-channel (redirect) errors. */
  status?: number | undefined
  /** The underlying error. */
  cause?: unknown
  /** Overrides the default `ERR_OAUTH_RESPONSE`, for example with `ERR_LOGIN_REQUIRED`. */
  code?: OAuthKitErrorCode
}

/**
 * The authorization server answered with an OAuth error: at the token endpoint (RFC 6749
 * §5.2), in the authorization response (§4.1.2.1), or in a `WWW-Authenticate` challenge
 * (RFC 6750 §3).
 */
export class OAuthResponseError extends OAuthKitError {
  override readonly name: string = 'OAuthResponseError'
  // `declare`: a class field would define `error_description` as an own `undefined` property
  // even when the constructor leaves it out; it stays absent instead (so does `status`).
  /** The OAuth error code, for example `invalid_grant`. */
  declare readonly error: string
  /** The server's human-readable description, if it sent one. */
  declare readonly error_description?: string

  constructor(message: string, options: OAuthResponseErrorOptions) {
    super(message, {
      code: options.code ?? 'ERR_OAUTH_RESPONSE',
      cause: options.cause,
      status: options.status,
    })
    this.error = options.error
    if (options.error_description !== undefined) this.error_description = options.error_description
  }
}

// Every class name of the family, including subclasses defined in other core files.
const ERROR_NAMES = new Set(['OAuthKitError', 'OAuthResponseError', 'AccessTokenError'])

/**
 * Whether `err` is an oauthkit error. Checks the shape, not only `instanceof`, so it still works
 * when two copies of `@oauthkit/core` end up in one bundle.
 */
export function isOAuthKitError(err: unknown): err is OAuthKitError {
  if (err instanceof OAuthKitError) return true
  return (
    err instanceof Error &&
    ERROR_NAMES.has(err.name) &&
    typeof (err as { code?: unknown }).code === 'string'
  )
}

/**
 * Whether `err` is an {@link OAuthResponseError}: the authorization server answered with an OAuth
 * error. By shape as in {@link isOAuthKitError}, but by name too: an `AccessTokenError` also has a
 * string `error` (the RFC 6750 code a resource server answers with) and is not one.
 */
export function isOAuthResponseError(err: unknown): err is OAuthResponseError {
  if (err instanceof OAuthResponseError) return true
  return (
    isOAuthKitError(err) &&
    err.name === 'OAuthResponseError' &&
    typeof (err as { error?: unknown }).error === 'string'
  )
}
