import * as oauth from 'oauth4webapi'
import {
  isOAuthKitError,
  type OAuth4WebApiErrorCode,
  OAuthKitError,
  OAuthResponseError,
} from './errors.js'
import { networkError } from './network-error.js'
import { stopped } from './race-signal.js'
import { sanitizeError } from './sanitize-error.js'
import { toDisplayText } from './to-display-text.js'

/**
 * Maps anything thrown by oauth4webapi, `fetch` or a signal into oauthkit's error family. The one
 * place where foreign errors are translated:
 * - argument `TypeError`s (code `ERR_INVALID_ARG_*`) and oauthkit errors pass through;
 * - OAuth error responses become {@link OAuthResponseError};
 * - a 5xx answer without an OAuth error becomes `ERR_SERVER`, with `status`;
 * - oauth4webapi's processing errors keep their `code` (for example `OAUTH_JWT_TIMESTAMP_CHECK_FAILED`);
 * - timeouts become `ERR_TIMEOUT`, aborts `ERR_ABORTED`, transport failures `ERR_NETWORK`.
 *
 * The `cause` is rebuilt from names, codes and messages only: oauth4webapi attaches whole response
 * bodies as causes, and those may hold tokens.
 */
export function toOAuthKitError(err: unknown): OAuthKitError | TypeError {
  if (isOAuthKitError(err)) return err
  if (
    err instanceof TypeError &&
    String((err as { code?: unknown }).code).startsWith('ERR_INVALID_ARG')
  ) {
    return err
  }
  const cause = sanitizeError(err)
  if (err instanceof oauth.ResponseBodyError) {
    return responseError(cause, err.error, err.error_description, err.status)
  }
  // Front channel (an `error` in the redirect): no HTTP status.
  if (err instanceof oauth.AuthorizationResponseError) {
    return responseError(cause, err.error, err.error_description)
  }
  if (err instanceof oauth.WWWAuthenticateChallengeError) {
    const challenge = err.cause[0]
    // A token endpoint answers failed client authentication with 401 and a challenge of the
    // client's scheme, typically `Basic` without parameters (RFC 6749 §5.2): that is
    // `invalid_client`, whatever the body says. Bearer/DPoP challenges carry their own error.
    const clientAuthChallenge =
      err.status === 401 && challenge !== undefined && !/^(bearer|dpop)$/.test(challenge.scheme)
    const error =
      challenge?.parameters.error ?? (clientAuthChallenge ? 'invalid_client' : 'invalid_request')
    return responseError(cause, error, challenge?.parameters.error_description, err.status)
  }
  if (
    err instanceof oauth.OperationProcessingError ||
    err instanceof oauth.UnsupportedOperationError
  ) {
    // A body that stopped arriving (a reset, an abort or a timeout while it was read) fails the
    // JSON parse with the transport error as cause, where bad JSON is a SyntaxError: classify
    // the interruption, so the caller sees a retryable transport failure.
    if (err.code === oauth.PARSE_ERROR && isInterruption(err.cause))
      return toOAuthKitError(err.cause)
    // oauth4webapi reads error bodies of 4xx only and reports any other unexpected status as a
    // non-conforming response, the Response as cause. A 5xx is the server failing, not breaking
    // the protocol: callers retry it later and keep their session.
    const status = Number((err.cause as { status?: unknown } | undefined)?.status)
    if (status >= 500) {
      return new OAuthKitError(`server responded with HTTP ${status}`, {
        code: 'ERR_SERVER',
        status,
        cause,
      })
    }
    return new OAuthKitError(err.message, { code: passedThrough(err.code), cause })
  }
  const name = err instanceof Error || err instanceof DOMException ? err.name : undefined
  if (name === 'TimeoutError' || name === 'AbortError') return stopped(err, cause)
  // Browsers reject with TypeError; some fetch implementations (happy-dom, polyfills) with a
  // DOMException named NetworkError.
  // (`limitedFetch` has already named the origin of the requests oauthkit sends itself.)
  if (err instanceof TypeError || name === 'NetworkError') return networkError(err, undefined)
  return new OAuthKitError('unexpected error', { code: 'ERR_UNEXPECTED', cause })
}

/**
 * Whether a body read failed because the transport stopped: fetch's plain TypeError ('terminated')
 * or a DOMException (an abort, a timeout, a network error). oauth4webapi's own coded TypeErrors (a
 * malformed base64url segment) and JSON's SyntaxError are not interruptions.
 */
function isInterruption(reason: unknown): boolean {
  return reason instanceof DOMException || (reason instanceof TypeError && !('code' in reason))
}

// The codes of oauth4webapi's processing errors (errors.ts lists them as a type).
const OAUTH4WEBAPI_CODES: ReadonlySet<string> = new Set<OAuth4WebApiErrorCode>([
  oauth.PARSE_ERROR,
  oauth.INVALID_RESPONSE,
  oauth.INVALID_REQUEST,
  oauth.RESPONSE_IS_NOT_JSON,
  oauth.RESPONSE_IS_NOT_CONFORM,
  oauth.HTTP_REQUEST_FORBIDDEN,
  oauth.REQUEST_PROTOCOL_FORBIDDEN,
  oauth.JWT_TIMESTAMP_CHECK,
  oauth.JWT_CLAIM_COMPARISON,
  oauth.JSON_ATTRIBUTE_COMPARISON,
  oauth.KEY_SELECTION,
  oauth.MISSING_SERVER_METADATA,
  oauth.INVALID_SERVER_METADATA,
  oauth.JWT_USERINFO_EXPECTED,
  oauth.UNSUPPORTED_OPERATION,
])

// oauth4webapi's code when it is one we list; a future one of its codes reads as a bad response.
function passedThrough(code: string | undefined): OAuth4WebApiErrorCode | 'ERR_INVALID_RESPONSE' {
  return code !== undefined && OAUTH4WEBAPI_CODES.has(code)
    ? (code as OAuth4WebApiErrorCode)
    : 'ERR_INVALID_RESPONSE'
}

function responseError(
  cause: Error | undefined,
  error: string,
  description: string | undefined,
  status?: number,
): OAuthResponseError {
  const said = description === undefined ? '' : toDisplayText(description, { redact: true })
  return new OAuthResponseError(
    `server responded with "${toDisplayText(error, { redact: true })}"${status ? ` (HTTP ${status})` : ''}${said ? `: ${said}` : ''}`,
    { error, error_description: description, status, cause },
  )
}

/**
 * {@link toOAuthKitError}, for callers that hand errors on to an `onError` hook: hooks get
 * oauthkit errors only, so an argument error from a hook or an adapter is wrapped
 * (`ERR_UNEXPECTED`, the original as `cause`).
 *
 * @internal
 */
export function asOAuthKitError(err: unknown): OAuthKitError {
  const mapped = toOAuthKitError(err)
  return mapped instanceof OAuthKitError
    ? mapped
    : new OAuthKitError(mapped.message, { code: 'ERR_UNEXPECTED', cause: mapped })
}

/** Throws {@link toOAuthKitError}'s mapping of `err`. For `catch` clauses. */
export function rethrow(err: unknown): never {
  throw toOAuthKitError(err)
}
