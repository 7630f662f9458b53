import { OAuthKitError } from './errors.js'
import { networkReason } from './network-reason.js'
import { sanitizeError } from './sanitize-error.js'

/**
 * The `ERR_NETWORK` error of a request that got no response: `could not reach <origin>: <reason>`.
 * The origin only, never the path or query (which may carry a secret); the `cause` is the
 * sanitised transport error.
 *
 * @internal
 */
export function networkError(err: unknown, url: URL | undefined): OAuthKitError {
  const reason =
    networkReason(err) ??
    'no response, and the runtime gave no reason (in a browser: down, DNS, TLS or CORS)'
  const where = url ? `could not reach ${url.origin}` : 'network request failed'
  return new OAuthKitError(`${where}: ${reason}`, {
    code: 'ERR_NETWORK',
    cause: sanitizeError(err),
  })
}
