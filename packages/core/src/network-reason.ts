// System and undici error codes, by what they tell the user (Node's `errno` names; undici's
// `UND_ERR_*`). Browsers give no reason at all: a failed fetch there is a bare TypeError, which is
// why browser bundles get network-reason.browser.ts instead (package.json `browser` field).
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
