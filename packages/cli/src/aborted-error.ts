import { OAuthKitError } from '@oauthkit/core'

/**
 * The `ERR_ABORTED` error for an operation that `signal` stopped, with the signal's reason as
 * `cause`. Internal.
 */
export function abortedError(signal: AbortSignal | undefined, message: string): OAuthKitError {
  return new OAuthKitError(message, { code: 'ERR_ABORTED', cause: signal?.reason })
}
