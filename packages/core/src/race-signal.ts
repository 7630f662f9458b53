import { OAuthKitError } from './errors.js'

/**
 * The error for an operation that `signal` stopped: `ERR_TIMEOUT` ("<what> timed out") when the
 * signal's reason is a `TimeoutError`, as with `AbortSignal.timeout()`, `ERR_ABORTED` ("<what>
 * was aborted") otherwise; the reason is the `cause`.
 *
 * On `@oauthkit/core/internal`: no semver promise.
 */
export function abortError(signal: AbortSignal | undefined, what = 'request'): OAuthKitError {
  return stopped(signal?.reason, signal?.reason, what)
}

/**
 * The error of `what`, stopped for `reason` (the `cause` unless given): `ERR_TIMEOUT` for a
 * `TimeoutError`, `ERR_ABORTED` for anything else. {@link abortError} and {@link raceSignal} use
 * it, and so does `toOAuthKitError` for a fetch that rejected with an `AbortError` or a
 * `TimeoutError`.
 *
 * @internal
 */
export function stopped(reason: unknown, cause: unknown = reason, what = 'request'): OAuthKitError {
  const timeout = (reason as { name?: unknown } | undefined)?.name === 'TimeoutError'
  return new OAuthKitError(`${what} ${timeout ? 'timed out' : 'was aborted'}`, {
    code: timeout ? 'ERR_TIMEOUT' : 'ERR_ABORTED',
    cause,
  })
}

/**
 * Settles like `promise`, or rejects with {@link abortError} as soon as `signal` fires, whichever
 * comes first; at once when it has already fired. For a promise that several callers share (a
 * cached request, a single flight): one caller's abort ends its own wait, never the shared work,
 * and never the other callers'. A rejection of `promise` after the abort is handled, and the
 * listener is removed once `promise` settles. The error is {@link abortError}'s for a request.
 *
 * On `@oauthkit/core/internal`: no semver promise.
 */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(stopped(signal.reason))
    if (signal.aborted) onAbort()
    signal.addEventListener('abort', onAbort)
    promise.then(resolve, reject).then(() => signal.removeEventListener('abort', onAbort))
  })
}
