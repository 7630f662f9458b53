/**
 * A minimal cookie jar for the headless helpers: one server, so cookies are keyed by name only
 * (paths are ignored) and cleared when the server sends an empty or expired cookie
 * (RFC 6265 §5.3). Pass the same jar to several `login()` calls to keep the SSO session.
 */
export class CookieJar {
  readonly #cookies = new Map<string, string>()

  /** Stores the `Set-Cookie` headers of a response. */
  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';')
      const separator = pair.indexOf('=')
      if (separator < 1) continue
      const name = pair.slice(0, separator).trim()
      const value = pair.slice(separator + 1).trim()
      const expired = attributes.some((attribute) => {
        const [key = '', attributeValue = ''] = attribute.split('=')
        const lower = key.trim().toLowerCase()
        if (lower === 'max-age') return Number(attributeValue) <= 0
        if (lower === 'expires') return Date.parse(attributeValue) <= Date.now()
        return false
      })
      if (value === '' || expired) this.#cookies.delete(name)
      else this.#cookies.set(name, value)
    }
  }

  /** The `Cookie` request header value, or `undefined` when empty. */
  header(): string | undefined {
    if (this.#cookies.size === 0) return undefined
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  /** The names of the stored cookies. */
  names(): string[] {
    return [...this.#cookies.keys()]
  }

  /** Forgets every cookie (signs the simulated browser out locally). */
  clear(): void {
    this.#cookies.clear()
  }
}
