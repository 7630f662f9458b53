import * as oauth from 'oauth4webapi'
import { toUrl } from './assert.js'
import { OAuthKitError } from './errors.js'
import { type HttpOptions, toRequestOptions } from './http-options.js'
import { toOAuthKitError } from './to-oauthkit-error.js'

/** Authorization server metadata (RFC 8414 §2, OpenID Connect Discovery §3), wire spelling. */
export type ServerMetadata = oauth.AuthorizationServer

/** Options of {@link discover}. */
export interface DiscoverOptions extends HttpOptions {
  /**
   * Which well-known document to read. `oidc` reads `/.well-known/openid-configuration`,
   * `oauth2` reads RFC 8414's `/.well-known/oauth-authorization-server`. The default, `auto`,
   * tries OpenID Connect first and falls back to RFC 8414 when that answers 404.
   */
  algorithm?: 'oidc' | 'oauth2' | 'auto'
  /** How long, in seconds, a successful discovery is reused. Default 3600. */
  ttl?: number
}

interface CacheEntry {
  promise: Promise<ServerMetadata>
  expiresAt: number
}

// Per fetch implementation, so a test's injected fetch never sees another fetch's result.
const caches = new WeakMap<typeof fetch, Map<string, CacheEntry>>()
const defaultCache = new Map<string, CacheEntry>()

/**
 * Fetches and validates the metadata of `issuer`, cached per issuer for `ttl` seconds. Concurrent
 * callers share one request; a failed discovery is forgotten at once so the next call retries.
 * The response's `issuer` must equal `issuer` exactly (RFC 8414 §3.3).
 *
 * @throws {@link OAuthKitError} `ERR_DISCOVERY_FAILED` with the underlying error as `cause`, or
 *   `ERR_TIMEOUT` / `ERR_ABORTED` / `ERR_NETWORK`.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 */
export function discover(issuer: string | URL, options?: DiscoverOptions): Promise<ServerMetadata> {
  const url = toUrl(issuer, 'issuer')
  const algorithm = options?.algorithm ?? 'auto'
  const cache = options?.fetch ? cacheFor(options.fetch) : defaultCache
  const key = `${algorithm} ${url.href} ${options?.allowInsecureRequests === true}`
  const now = Date.now()
  const hit = cache.get(key)
  if (hit && hit.expiresAt > now) return hit.promise
  const entry: CacheEntry = {
    promise: fetchMetadata(url, algorithm, options),
    expiresAt: now + (options?.ttl ?? 3600) * 1000,
  }
  cache.set(key, entry)
  entry.promise.catch(() => {
    if (cache.get(key) === entry) cache.delete(key)
  })
  return entry.promise
}

/** Forgets every cached discovery result. Meant for tests and for key-rotation drills. */
export function clearDiscoveryCache(): void {
  defaultCache.clear()
}

function cacheFor(fetchImpl: typeof fetch): Map<string, CacheEntry> {
  let cache = caches.get(fetchImpl)
  if (!cache) {
    cache = new Map()
    caches.set(fetchImpl, cache)
  }
  return cache
}

async function fetchMetadata(
  issuer: URL,
  algorithm: 'oidc' | 'oauth2' | 'auto',
  options: HttpOptions | undefined,
): Promise<ServerMetadata> {
  try {
    const requestOptions = toRequestOptions(options)
    let response = await oauth.discoveryRequest(issuer, {
      ...requestOptions,
      algorithm: algorithm === 'oauth2' ? 'oauth2' : 'oidc',
    })
    if (algorithm === 'auto' && response.status === 404) {
      response = await oauth.discoveryRequest(issuer, { ...requestOptions, algorithm: 'oauth2' })
    }
    return await oauth.processDiscoveryResponse(issuer, response)
  } catch (err) {
    const mapped = toOAuthKitError(err)
    if (mapped instanceof OAuthKitError && /^ERR_(TIMEOUT|ABORTED|NETWORK)$/.test(mapped.code)) {
      throw mapped
    }
    throw new OAuthKitError(`discovery of ${issuer.origin}${issuer.pathname} failed`, {
      code: 'ERR_DISCOVERY_FAILED',
      cause: mapped,
    })
  }
}
