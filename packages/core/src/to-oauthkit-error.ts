import * as oauth from 'oauth4webapi'
import { isOAuthKitError, OAuthKitError, OAuthResponseError } from './errors.js'
import { stopped } from './race-signal.js'

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
  const cause = sanitize(err)
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
    return new OAuthKitError(err.message, { code: err.code ?? 'ERR_INVALID_RESPONSE', cause })
  }
  const name = err instanceof Error || err instanceof DOMException ? err.name : undefined
  if (name === 'TimeoutError' || name === 'AbortError') return stopped(err, cause)
  // Browsers reject with TypeError; some fetch implementations (happy-dom, polyfills) with a
  // DOMException named NetworkError.
  if (err instanceof TypeError || name === 'NetworkError') {
    // undici rejects with TypeError('fetch failed') and the socket error as cause.
    return new OAuthKitError('network request failed', { code: 'ERR_NETWORK', cause })
  }
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

function responseError(
  cause: Error | undefined,
  error: string,
  description: string | undefined,
  status?: number,
): OAuthResponseError {
  return new OAuthResponseError(
    `server responded with "${error}"${status ? ` (HTTP ${status})` : ''}`,
    { error, error_description: description, status, cause },
  )
}

/** Throws {@link toOAuthKitError}'s mapping of `err`. For `catch` clauses. */
export function rethrow(err: unknown): never {
  throw toOAuthKitError(err)
}

/**
 * A copy of `err` that keeps its name, code and message and drops everything else (response
 * bodies, `Response` objects, URL parameters). Follows `cause` a few levels deep.
 */
function sanitize(err: unknown, depth = 0): Error | undefined {
  if (!(err instanceof Error || err instanceof DOMException)) return undefined
  const cause = depth < 3 ? sanitize((err as { cause?: unknown }).cause, depth + 1) : undefined
  const copy = new Error(err.message, cause ? { cause } : undefined)
  copy.name = err.name
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string') (copy as Error & { code: string }).code = code
  return copy
}
