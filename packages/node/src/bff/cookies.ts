/** The cookies of a `Cookie` request header (RFC 6265 §5.4), by name; the first of a name wins. */
export function parseCookies(header: string | null): Map<string, string> {
  const cookies = new Map<string, string>()
  for (const pair of (header ?? '').split(';')) {
    const at = pair.indexOf('=')
    if (at < 1) continue
    const name = pair.slice(0, at).trim()
    if (!cookies.has(name)) cookies.set(name, pair.slice(at + 1).trim())
  }
  return cookies
}

/** Attributes of {@link serializeCookie}. */
export interface CookieAttributes {
  /** Seconds; 0 deletes the cookie. */
  maxAge: number
  sameSite: 'Strict' | 'Lax'
  /** `false` only for plain-HTTP development on a loopback address. */
  secure: boolean
}

/**
 * A `Set-Cookie` value: always `HttpOnly` and `Path=/`, never `Domain` — with `Secure`, exactly
 * what a `__Host-` name requires (RFC 6265bis §4.1.3.2).
 */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  const parts = [`${name}=${value}`, 'Path=/', 'HttpOnly', `SameSite=${attributes.sameSite}`]
  parts.push(`Max-Age=${Math.max(0, Math.floor(attributes.maxAge))}`)
  if (attributes.secure) parts.push('Secure')
  return parts.join('; ')
}
