import { OAuthKitError } from './errors.js'

/**
 * The error for an operation that `signal` stopped: `ERR_TIMEOUT` ("<what> timed out") when the
 * signal's reason is a `TimeoutError`, as with `AbortSignal.timeout()`, `ERR_ABORTED` ("<what>
 * was aborted") otherwise; the reason is the `cause`.
 *
 * On `@oauthkit/core/internal`: no semver promise.
 */
export function abortError(signal: AbortSignal | undefined, what = 'request'): OAuthKitError {
  const reason: unknown = signal?.reason
  return (reason as { name?: unknown } | undefined)?.name === 'TimeoutError'
    ? new OAuthKitError(`${what} timed out`, { code: 'ERR_TIMEOUT', cause: reason })
    : new OAuthKitError(`${what} was aborted`, { code: 'ERR_ABORTED', cause: reason })
}

/**
 * Settles like `promise`, or rejects with {@link abortError} as soon as `signal` fires, whichever
 * comes first; at once when it has already fired. For a promise that several callers share (a
 * cached request, a single flight): one caller's abort ends its own wait, never the shared work,
 * and never the other callers'. The listener is removed once `promise` settles. `what` names the
 * operation in the message, as in {@link abortError}.
 *
 * On `@oauthkit/core/internal`: no semver promise.
 */
export function raceSignal<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  what?: string,
): Promise<T> {
  if (!signal) return promise
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal, what))
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    // Both handlers given, so a rejection after the abort is still handled (no unhandled rejection).
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(err)
      },
    )
  })
}
