import * as oauth from 'oauth4webapi'
import { invalidArgument } from './assert.js'
import { OAuthKitError } from './errors.js'
import { networkError } from './network-error.js'
import { stopped } from './race-signal.js'
import { sanitizeError } from './sanitize-error.js'

/** The largest response body oauthkit reads by default: 1 MiB. Token responses are tiny. */
export const DEFAULT_MAX_RESPONSE_BYTES: number = 1024 * 1024

/** The default time limit of one HTTP request, in milliseconds. */
export const DEFAULT_TIMEOUT: number = 30_000

/** HTTP options every network-bound oauthkit function accepts. */
export interface HttpOptions {
  /** A Fetch API implementation; defaults to the global `fetch`. */
  fetch?: typeof fetch
  /** Cancels the request. */
  signal?: AbortSignal
  /** Milliseconds before the request fails with `ERR_TIMEOUT`. Default 30 000. */
  timeout?: number
  /** Response bodies above this many bytes are refused with `ERR_RESPONSE_TOO_LARGE`. */
  maxResponseBytes?: number
  /**
   * Allows `http:` endpoints. Lowers security: only for local development and tests.
   * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.6
   */
  allowInsecureRequests?: boolean
}

/** The flat HTTP options of a leaf package's client, as {@link toHttpOptions} reads them. */
export interface FlatHttpOptions {
  /** See {@link HttpOptions.fetch}. */
  fetch?: typeof fetch | undefined
  /** See {@link HttpOptions.timeout}. */
  timeout?: number | undefined
  /** See {@link HttpOptions.maxResponseBytes}. */
  maxResponseBytes?: number | undefined
  /** See {@link HttpOptions.allowInsecureRequests}. */
  allowInsecureRequests?: boolean | undefined
}

/**
 * Picks the {@link HttpOptions} out of a leaf client's flat options, checked before any I/O:
 * only the ones that are set, `allowInsecureRequests` only when `true`. No `signal`: that one
 * belongs to each call. `prefix` goes before each name in error messages (`options` →
 * `options.fetch`).
 *
 * On `@oauthkit/core/internal`: no semver promise.
 *
 * @throws `TypeError` `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` naming the option.
 */
export function toHttpOptions(options: FlatHttpOptions | undefined, prefix?: string): HttpOptions {
  const http: HttpOptions = {}
  const name = (key: string) => (prefix ? `${prefix}.${key}` : key)
  const { fetch, timeout, maxResponseBytes, allowInsecureRequests } = options ?? {}
  if (fetch !== undefined) {
    if (typeof fetch !== 'function') throw invalidArgument(name('fetch'), 'a function')
    http.fetch = fetch
  }
  for (const [key, value] of [
    ['timeout', timeout],
    ['maxResponseBytes', maxResponseBytes],
  ] as const) {
    if (value === undefined) continue
    if (typeof value !== 'number') throw invalidArgument(name(key), 'a number')
    if (!(value > 0 && Number.isFinite(value))) {
      throw invalidArgument(name(key), 'a positive finite number', 'ERR_INVALID_ARG_VALUE')
    }
    http[key] = value
  }
  if (allowInsecureRequests !== undefined && typeof allowInsecureRequests !== 'boolean') {
    throw invalidArgument(name('allowInsecureRequests'), 'a boolean')
  }
  if (allowInsecureRequests) http.allowInsecureRequests = true
  return http
}

/** The oauth4webapi options object that carries an {@link HttpOptions}. */
export interface RequestOptions {
  /** Creates the signal of one request. */
  signal?: (url: string) => AbortSignal
  /** The size-capped fetch. */
  [oauth.customFetch]?: (
    url: string,
    options: oauth.CustomFetchOptions<'GET' | 'POST', URLSearchParams | undefined>,
  ) => Promise<Response>
  /** Set when `http:` is allowed. */
  [oauth.allowInsecureRequests]?: boolean
}

/**
 * Translates {@link HttpOptions} into oauth4webapi's request options: a size-capped fetch, a
 * signal that also fires on timeout, and the insecure-requests switch.
 */
export function toRequestOptions(options?: HttpOptions): RequestOptions {
  const timeout = options?.timeout ?? DEFAULT_TIMEOUT
  return {
    // One signal per request, created when the request starts, so a timeout is per request.
    signal: () => anySignal(timeout, options?.signal),
    [oauth.customFetch]: limitedFetch(options?.fetch, options?.maxResponseBytes),
    // oauth4webapi allows http: only for `true`; `false` is the same as leaving it out.
    [oauth.allowInsecureRequests]: options?.allowInsecureRequests === true,
  }
}

function anySignal(timeout: number, signal: AbortSignal | undefined): AbortSignal {
  const timer = AbortSignal.timeout(timeout)
  return signal ? AbortSignal.any([signal, timer]) : timer
}

/**
 * Wraps `fetchImpl` so that a response body larger than `maxBytes` is refused while it streams,
 * before it is buffered whole: a hostile server cannot make us hold 50 MB.
 */
export function limitedFetch(
  fetchImpl: typeof fetch = globalThis.fetch,
  maxBytes: number = DEFAULT_MAX_RESPONSE_BYTES,
): typeof fetch {
  return async (input, init) => {
    let response: Response
    try {
      response = await fetchImpl(input, init)
    } catch (err) {
      throw noResponse(err, input)
    }
    const { body, status } = response
    const tooLarge = () =>
      new OAuthKitError(`response from ${describeUrl(input)} is larger than ${maxBytes} bytes`, {
        code: 'ERR_RESPONSE_TOO_LARGE',
      })
    const declared = Number(response.headers.get('content-length') ?? Number.NaN)
    if (declared > maxBytes) {
      await body?.cancel().catch(() => {})
      throw tooLarge()
    }
    // HTTP framing holds an identity-encoded body to its Content-Length, so one within the cap
    // needs no counting. A compressed body is counted as it decodes: its length says nothing of
    // what it inflates to.
    const encoding = response.headers.get('content-encoding')
    if (!body || (declared >= 0 && (encoding === null || encoding === 'identity'))) return response
    const chunks: Uint8Array<ArrayBuffer>[] = []
    let size = 0
    const reader = body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > maxBytes) {
        await reader.cancel().catch(() => {})
        throw tooLarge()
      }
      chunks.push(value)
    }
    // The counted chunks become the body as they are: a Blob joins them without another copy loop.
    return new Response([204, 205, 304].includes(status) ? null : new Blob(chunks), {
      status,
      statusText: response.statusText,
      headers: response.headers,
    })
  }
}

/**
 * A fetch that got no response, named by the origin it went to: a transport failure becomes
 * `ERR_NETWORK` with the reason (refused, DNS, timeout, TLS), a timeout `ERR_TIMEOUT`. Anything
 * else (an abort, a coded argument error, an injected fetch's own error) goes on unchanged, for
 * `toOAuthKitError` to map.
 */
function noResponse(err: unknown, input: Parameters<typeof fetch>[0]): unknown {
  const url = toUrl(input)
  const name = err instanceof Error || err instanceof DOMException ? err.name : undefined
  if (name === 'TimeoutError' && url)
    return stopped(err, sanitizeError(err), `request to ${url.origin}`)
  const coded = typeof (err as { code?: unknown } | undefined)?.code === 'string'
  if ((err instanceof TypeError && !coded) || name === 'NetworkError') return networkError(err, url)
  return err
}

// A Request has `url`; a string or a URL is the URL itself.
function toUrl(input: Parameters<typeof fetch>[0]): URL | undefined {
  try {
    return new URL((input as Partial<Request>).url ?? String(input))
  } catch {
    return undefined
  }
}

// Origin and path only: a query string may carry a secret.
function describeUrl(input: Parameters<typeof fetch>[0]): string {
  const url = toUrl(input)
  return url ? `${url.origin}${url.pathname}` : 'the server'
}
