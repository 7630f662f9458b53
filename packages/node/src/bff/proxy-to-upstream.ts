/** An API the BFF may forward to: requests under `prefix` go to `upstream`. */
export interface BffUpstream {
  /** A path on the app's origin, for example `/api/orders`. */
  prefix: string
  /** The upstream base URL, for example `https://orders.internal/v1`. */
  upstream: string
}

// RFC 9110 §7.6.1: connection-specific fields are never forwarded.
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]
// What belongs to the browser's session with the BFF, or is computed anew for the upstream.
const REQUEST_ONLY = [
  'cookie',
  'authorization',
  'x-oauthkit-csrf',
  'host',
  'origin',
  'referer',
  'content-length',
]
// An upstream must not set cookies on the app's origin.
const RESPONSE_ONLY = ['set-cookie', 'set-cookie2', 'content-length', 'content-encoding']

/**
 * The upstream URL for a request path, or `undefined` when the path is not under `prefix` or
 * could reach elsewhere once the upstream decodes it: encoded slashes, backslashes and dots are
 * refused outright (the WHATWG parser has already resolved plain `..` segments), and the result
 * must stay under the upstream's own path.
 */
export function upstreamUrl(api: BffUpstream, rawPath: string, search: string): URL | undefined {
  const { prefix } = api
  if (rawPath !== prefix && !rawPath.startsWith(`${prefix}/`)) return undefined
  const rest = rawPath.slice(prefix.length)
  if (/%2f|%5c|%2e|\\/i.test(rest) || /(^|\/)\.\.?(\/|$)/.test(rest)) return undefined
  const base = new URL(api.upstream)
  const basePath = base.pathname.replace(/\/$/, '')
  const target = new URL(`${base.origin}${basePath}${rest}${search}`)
  if (target.origin !== base.origin) return undefined
  if (target.pathname !== basePath && !target.pathname.startsWith(`${basePath}/`)) return undefined
  return target
}

/**
 * Forwards `request` to `target` with `authorization`, streaming the body both ways. The browser's
 * cookies, its CSRF header and every hop-by-hop field are dropped; redirects are handed back,
 * never followed (a redirect must not carry the token elsewhere).
 */
export async function proxyToUpstream(
  request: Request,
  target: URL,
  authorization: string,
  fetchImpl: typeof fetch,
): Promise<Response> {
  const headers = new Headers(request.headers)
  const named = (headers.get('connection') ?? '').split(',').map((h) => h.trim().toLowerCase())
  for (const name of [...HOP_BY_HOP, ...REQUEST_ONLY, ...named]) if (name) headers.delete(name)
  headers.set('authorization', authorization)
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && request.body !== null
  const init: RequestInit & { duplex?: 'half' } = {
    method: request.method,
    headers,
    redirect: 'manual',
    signal: request.signal,
  }
  if (hasBody) {
    init.body = request.body
    init.duplex = 'half'
  }
  const upstream = await fetchImpl(target, init)
  const responseHeaders = new Headers(upstream.headers)
  const upstreamNamed = (responseHeaders.get('connection') ?? '').split(',').map((h) => h.trim())
  for (const name of [...HOP_BY_HOP, ...RESPONSE_ONLY, ...upstreamNamed]) {
    if (name) responseHeaders.delete(name)
  }
  responseHeaders.set('cache-control', responseHeaders.get('cache-control') ?? 'no-store')
  return new Response(upstream.body, { status: upstream.status, headers: responseHeaders })
}
