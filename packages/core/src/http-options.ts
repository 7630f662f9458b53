import * as oauth from 'oauth4webapi'
import { OAuthKitError } from './errors.js'

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
  const requestOptions: RequestOptions = {
    // One signal per request, created when the request starts, so a timeout is per request.
    signal: () => anySignal(timeout, options?.signal),
    [oauth.customFetch]: limitedFetch(options?.fetch, options?.maxResponseBytes),
  }
  if (options?.allowInsecureRequests === true) requestOptions[oauth.allowInsecureRequests] = true
  return requestOptions
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
    const response = await fetchImpl(input, init)
    const where = describeUrl(input)
    const tooLarge = () =>
      new OAuthKitError(`response from ${where} is larger than ${maxBytes} bytes`, {
        code: 'ERR_RESPONSE_TOO_LARGE',
      })
    const declared = Number(response.headers.get('content-length') ?? Number.NaN)
    if (declared > maxBytes) {
      await response.body?.cancel().catch(() => {})
      throw tooLarge()
    }
    if (!response.body) return response
    const chunks: Uint8Array[] = []
    let size = 0
    const reader = response.body.getReader()
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
    const body = new Uint8Array(size)
    let offset = 0
    for (const chunk of chunks) {
      body.set(chunk, offset)
      offset += chunk.byteLength
    }
    const nullBody = response.status === 204 || response.status === 205 || response.status === 304
    return new Response(nullBody ? null : body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    })
  }
}

// Origin and path only: a query string may carry a secret.
function describeUrl(input: Parameters<typeof fetch>[0]): string {
  try {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url)
    return `${url.origin}${url.pathname}`
  } catch {
    return 'the server'
  }
}
