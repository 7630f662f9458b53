import { OAuthKitError } from './errors.js'
import { sanitizeError } from './sanitize-error.js'

// System and undici error codes, by what they tell the user (Node's `errno` names; undici's
// `UND_ERR_*`). Browsers give no reason at all: a failed fetch there is a bare TypeError.
const REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused (nothing listens on that port)',
  ENOTFOUND: 'DNS lookup failed (no such host)',
  EAI_AGAIN: 'DNS lookup failed (temporary failure, try again)',
  EAI_NONAME: 'DNS lookup failed (no such host)',
  EAI_FAIL: 'DNS lookup failed',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for the response headers',
  UND_ERR_BODY_TIMEOUT: 'timed out waiting for the response body',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'connection closed by the server',
  UND_ERR_SOCKET: 'connection closed by the server',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNABORTED: 'connection aborted',
}

// Certificate and handshake failures: OpenSSL's verify codes and Node's ERR_TLS_*/ERR_SSL_*.
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|EPROTO$)|SELF_SIGNED|UNABLE_TO_|_CERT_|LEAF_SIGNATURE/

/**
 * Why a request never got a response, in words: connection refused, DNS, timeout, TLS, reset...
 * read from the `code`s along `err`'s `cause` chain (undici rejects with `TypeError('fetch
 * failed')` and the socket error as its cause). `undefined` when nothing says (browsers).
 *
 * @internal
 */
export function networkReason(err: unknown): string | undefined {
  let current = err
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string') {
      const reason = REASONS[code]
      if (reason) return reason
      if (TLS_CODE.test(code)) return `TLS failed (${code})`
    }
    current = current.cause
  }
  return undefined
}

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
