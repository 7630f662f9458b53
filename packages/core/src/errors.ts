/**
 * The codes oauthkit itself raises. Errors mapped from oauth4webapi keep oauth4webapi's own code
 * (for example `OAUTH_JWT_CLAIM_COMPARISON_FAILED`) so that its documentation still applies.
 */
export type OAuthKitErrorCode =
  | 'ERR_OAUTH_RESPONSE'
  | 'ERR_LOGIN_REQUIRED'
  | 'ERR_TIMEOUT'
  | 'ERR_ABORTED'
  | 'ERR_NETWORK'
  | 'ERR_STATE_MISMATCH'
  | 'ERR_TRANSACTION_MISSING'
  | 'ERR_RESPONSE_TOO_LARGE'
  | 'ERR_INVALID_RESPONSE'
  | 'ERR_JWT_MALFORMED'
  | 'ERR_JWT_INVALID'
  | 'ERR_DEVICE_CODE_EXPIRED'
  | 'ERR_DISCOVERY_FAILED'
  | 'ERR_INSECURE_REQUEST'
  | (string & {})

/** Options accepted by {@link OAuthKitError}. */
export interface OAuthKitErrorOptions {
  /** What went wrong, as a stable machine-readable code. */
  code: OAuthKitErrorCode
  /** The underlying error. Never a raw response body: bodies may hold tokens. */
  cause?: unknown
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

  constructor(message: string, options: OAuthKitErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = options.code
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
  // `declare`: a class field would define `error_description` and `status` as own `undefined`
  // properties even when the constructor leaves them out; these stay absent instead.
  /** The OAuth error code, for example `invalid_grant`. */
  declare readonly error: string
  /** The server's human-readable description, if it sent one. */
  declare readonly error_description?: string
  /** The HTTP status of the response, when there was one. */
  declare readonly status?: number

  constructor(message: string, options: OAuthResponseErrorOptions) {
    super(message, { code: options.code ?? 'ERR_OAUTH_RESPONSE', cause: options.cause })
    this.error = options.error
    if (options.error_description !== undefined) this.error_description = options.error_description
    if (options.status !== undefined) this.status = options.status
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

/** Whether `err` is an {@link OAuthResponseError}, by shape as in {@link isOAuthKitError}. */
export function isOAuthResponseError(err: unknown): err is OAuthResponseError {
  return isOAuthKitError(err) && typeof (err as { error?: unknown }).error === 'string'
}
