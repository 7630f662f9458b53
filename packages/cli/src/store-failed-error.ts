import { OAuthKitError } from '@oauthkit/core'

/**
 * The `ERR_STORE_FAILED` error: a file-system call of the token store failed (`ENOTDIR`,
 * `ENOSPC`, `EACCES`...). The Node error is the `cause`; the message names the step and the
 * path, never a token. Internal.
 */
export function storeFailedError(message: string, cause: unknown): OAuthKitError {
  return new OAuthKitError(message, { code: 'ERR_STORE_FAILED', cause })
}
