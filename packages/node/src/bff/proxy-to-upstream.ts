import type { DPoPHandle } from '@oauthkit/core'
import * as oauth from 'oauth4webapi'

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
 * Forwards `request` to `target` with the access token, streaming the body both ways. The
 * browser's cookies, its CSRF header and every hop-by-hop field are dropped; redirects are handed
 * back, never followed (a redirect must not carry the token elsewhere).
 *
 * With a DPoP handle the token goes as `Authorization: DPoP` with a proof made for this request
 * alone (its method and URL, `ath` of the token: RFC 9449 §4.2, §7), through oauth4webapi; when
 * the upstream answers with a `use_dpop_nonce` challenge (§9) the request is sent once more with
 * a new proof carrying the upstream's nonce, which the handle then keeps for that origin.
 */
export async function proxyToUpstream(
  request: Request,
  target: URL,
  accessToken: string,
  fetchImpl: typeof fetch,
  dpop?: DPoPHandle,
): Promise<Response> {
  const headers = new Headers(request.headers)
  const named = (headers.get('connection') ?? '').split(',').map((h) => h.trim().toLowerCase())
  for (const name of [...HOP_BY_HOP, ...REQUEST_ONLY, ...named]) if (name) headers.delete(name)
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && request.body !== null
  const upstream = dpop
    ? await sendWithDPoP(request, target, accessToken, headers, hasBody, fetchImpl, dpop)
    : await sendWithBearer(request, target, accessToken, headers, hasBody, fetchImpl)
  const responseHeaders = new Headers(upstream.headers)
  const upstreamNamed = (responseHeaders.get('connection') ?? '').split(',').map((h) => h.trim())
  for (const name of [...HOP_BY_HOP, ...RESPONSE_ONLY, ...upstreamNamed]) {
    if (name) responseHeaders.delete(name)
  }
  responseHeaders.set('cache-control', responseHeaders.get('cache-control') ?? 'no-store')
  return new Response(upstream.body, { status: upstream.status, headers: responseHeaders })
}

function sendWithBearer(
  request: Request,
  target: URL,
  accessToken: string,
  headers: Headers,
  hasBody: boolean,
  fetchImpl: typeof fetch,
): Promise<Response> {
  headers.set('authorization', `Bearer ${accessToken}`)
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
  return fetchImpl(target, init)
}

async function sendWithDPoP(
  request: Request,
  target: URL,
  accessToken: string,
  headers: Headers,
  hasBody: boolean,
  fetchImpl: typeof fetch,
  dpop: DPoPHandle,
): Promise<Response> {
  // A nonce challenge comes before the upstream reads the body, but the stream is spent by then:
  // a second branch of it is kept for the one retry, and dropped when none is needed.
  const spare = hasBody ? request.clone() : undefined
  const send = (body: ReadableStream<Uint8Array> | null) =>
    oauth.protectedResourceRequest(accessToken, request.method, target, headers, body, {
      DPoP: dpop,
      signal: request.signal,
      [oauth.customFetch]: (url, init) => fetchImpl(url, init as RequestInit),
      // The upstream's scheme was checked against allowInsecureRequests when the BFF was made.
      [oauth.allowInsecureRequests]: true,
    })
  try {
    const response = await send(hasBody ? request.body : null)
    await spare?.body?.cancel()
    return response
  } catch (err) {
    if (!(err instanceof oauth.WWWAuthenticateChallengeError)) throw err
    if (!oauth.isDPoPNonceError(err)) {
      await spare?.body?.cancel()
      return err.response // the upstream's own refusal, for the app to see
    }
    await err.response.body?.cancel()
    try {
      return await send(spare?.body ?? null)
    } catch (retryErr) {
      if (retryErr instanceof oauth.WWWAuthenticateChallengeError) return retryErr.response
      throw retryErr
    }
  }
}
