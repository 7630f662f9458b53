import { OAuthKitError, type OAuthKitErrorCode } from './errors.js'

/** The RFC 6750 §3.1 error codes a resource server answers with. */
export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope'

/** Options accepted by {@link AccessTokenError}. */
export interface AccessTokenErrorOptions {
  /** A stable code, for example `ERR_INVALID_TOKEN` or an oauth4webapi code such as `OAUTH_JWT_TIMESTAMP_CHECK_FAILED`. */
  code: OAuthKitErrorCode
  /**
   * The RFC 6750 §3.1 error code; absent when the request carried no token at all, which
   * RFC 6750 §3.1 answers with a bare challenge.
   */
  error?: BearerErrorCode | undefined
  /** The scope the resource needs, for `insufficient_scope` (RFC 6750 §3). */
  scope?: string | undefined
  /** The `realm` of the challenge (RFC 6750 §3). */
  realm?: string | undefined
  /** The underlying error, already free of tokens. */
  cause?: unknown
}

// RFC 6750 §3: error_description and scope are quoted strings limited to %x20-21 / %x23-5B /
// %x5D-7E; anything else (quotes, backslashes, control and non-ASCII characters) is replaced.
function toQuotable(value: string): string {
  return value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, "'")
}

const STATUS: Record<BearerErrorCode, 400 | 401 | 403> = {
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
}

/**
 * A resource request was refused: the access token is missing, malformed, expired, for another
 * audience, badly signed, or lacks a scope. Carries everything an RFC 6750 §3 answer needs, so a
 * resource server can reply with `status` and a `WWW-Authenticate: wwwAuthenticate` header.
 * The message and fields never contain the token.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export class AccessTokenError extends OAuthKitError {
  override readonly name: string = 'AccessTokenError'
  /** The RFC 6750 §3.1 error code, absent when no token was presented. */
  readonly error?: BearerErrorCode
  /** A human-readable reason, safe to send to the client. */
  readonly error_description: string
  /** The HTTP status to answer with: 400, 401 or 403 (RFC 6750 §3.1). */
  override readonly status: 400 | 401 | 403
  /** The scope the resource needs, for `insufficient_scope`. */
  readonly scope?: string
  /** The value of the `WWW-Authenticate` response header (RFC 6750 §3). */
  readonly wwwAuthenticate: string

  constructor(message: string, options: AccessTokenErrorOptions) {
    super(message, { code: options.code, cause: options.cause })
    this.error_description = toQuotable(message)
    this.status = options.error ? STATUS[options.error] : 401
    if (options.error) this.error = options.error
    if (options.scope) this.scope = toQuotable(options.scope)
    const params: string[] = []
    if (options.realm) params.push(`realm="${toQuotable(options.realm)}"`)
    if (this.error) {
      params.push(`error="${this.error}"`, `error_description="${this.error_description}"`)
    }
    if (this.scope) params.push(`scope="${this.scope}"`)
    this.wwwAuthenticate = params.length > 0 ? `Bearer ${params.join(', ')}` : 'Bearer'
  }
}
