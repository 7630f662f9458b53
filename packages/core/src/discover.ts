import * as oauth from 'oauth4webapi'
import { toUrl } from './assert.js'
import { invalidResponse, OAuthKitError } from './errors.js'
import { type HttpOptions, toRequestOptions } from './http-options.js'
import { raceSignal } from './race-signal.js'
import { toDisplayText } from './to-display-text.js'
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

// Per fetch implementation (the global one when none is injected, as it is at the call), so a
// test's fetch never sees another fetch's result. Replaced, not cleared, by
// clearDiscoveryCache(): a WeakMap cannot be enumerated.
let caches = new WeakMap<typeof fetch, Map<string, CacheEntry>>()

/**
 * Fetches and validates the metadata of `issuer`, cached per issuer for `ttl` seconds. Concurrent
 * callers share one request; a failed discovery is forgotten at once so the next call retries.
 * `signal` ends only its own caller's wait: the shared request runs under `timeout` alone, so
 * one caller's abort never fails another's discovery, and a discovery every caller gave up on
 * still fills the cache.
 * The response's `issuer` must be identical to `issuer` when that is a string, character for
 * character: no trailing-slash or letter-case leniency (RFC 8414 §3.3, OpenID Connect Discovery
 * §4.3). A `URL` argument is compared in its normalised `href` form. Every endpoint in the
 * document must be an `https:` URL (`http:` only with `allowInsecureRequests`), never
 * `javascript:` or `data:`, and `token_endpoint` must be present.
 *
 * @throws {@link OAuthKitError} `ERR_DISCOVERY_FAILED` with the underlying error as `cause`, or
 *   `ERR_TIMEOUT` / `ERR_ABORTED` / `ERR_NETWORK`.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 */
export function discover(issuer: string | URL, options?: DiscoverOptions): Promise<ServerMetadata> {
  const url = toUrl(issuer, 'issuer')
  // A string is matched exactly; a URL object only as oauth4webapi does, by normalised href.
  const exact = typeof issuer === 'string' ? issuer : undefined
  // The shared request runs without the caller's signal; the signal races it (raceSignal).
  const { signal, ...http } = options ?? {}
  const algorithm = http.algorithm ?? 'auto'
  const allowInsecure = http.allowInsecureRequests === true
  const fetchImpl = http.fetch ?? fetch
  let cache = caches.get(fetchImpl)
  if (!cache) {
    cache = new Map()
    caches.set(fetchImpl, cache)
  }
  const key = JSON.stringify([algorithm, exact, url.href, allowInsecure])
  const now = Date.now()
  let entry = cache.get(key)
  // A caller whose signal has already fired starts nothing: raceSignal rejects it at once.
  if (!(entry && entry.expiresAt > now) && !signal?.aborted) {
    const shared: CacheEntry = {
      promise: fetchMetadata(url, exact, algorithm, allowInsecure, http),
      expiresAt: now + (http.ttl ?? 3600) * 1000,
    }
    cache.set(key, shared)
    shared.promise.catch(() => {
      if (cache.get(key) === shared) cache.delete(key)
    })
    entry = shared
  }
  // Promise.race([]) never settles: only the signal decides.
  return raceSignal(entry?.promise ?? Promise.race([]), signal)
}

/**
 * Forgets every cached discovery result, those kept for an injected `fetch` included. Meant for
 * tests and for key-rotation drills.
 */
export function clearDiscoveryCache(): void {
  caches = new WeakMap()
}

async function fetchMetadata(
  issuer: URL,
  exact: string | undefined,
  algorithm: 'oidc' | 'oauth2' | 'auto',
  allowInsecure: boolean,
  options: HttpOptions | undefined,
): Promise<ServerMetadata> {
  try {
    const requestOptions = toRequestOptions(options)
    const request = (algorithm: 'oidc' | 'oauth2') =>
      oauth.discoveryRequest(issuer, { ...requestOptions, algorithm })
    let response = await request(algorithm === 'oauth2' ? 'oauth2' : 'oidc')
    // `auto`: a server without OpenID Connect Discovery may still have RFC 8414 metadata.
    if (algorithm === 'auto' && response.status === 404) response = await request('oauth2')
    const metadata = await oauth.processDiscoveryResponse(issuer, response)
    checkMetadata(metadata, exact, allowInsecure)
    return metadata
  } catch (err) {
    let mapped: Error = toOAuthKitError(err)
    const { code } = mapped as OAuthKitError
    // Transport failures keep their own code, so callers can tell "retry later" from "wrong server".
    if (/^ERR_(TIMEOUT|ABORTED|NETWORK)$/.test(code)) throw mapped
    if (code === oauth.JSON_ATTRIBUTE_COMPARISON) {
      mapped = issuerMismatch(exact ?? issuer.href, metadataIssuer(err), mapped)
    }
    // The issuer as the caller spelled it (a URL would add a slash they never typed), and why.
    throw new OAuthKitError(`discovery of ${exact ?? issuer.href} failed: ${mapped.message}`, {
      code: 'ERR_DISCOVERY_FAILED',
      cause: mapped,
    })
  }
}

// Metadata members holding URLs that oauthkit requests, or sends the user to.
const ENDPOINTS = [
  'authorization_endpoint',
  'token_endpoint',
  'userinfo_endpoint',
  'jwks_uri',
  'revocation_endpoint',
  'introspection_endpoint',
  'end_session_endpoint',
  'device_authorization_endpoint',
  'pushed_authorization_request_endpoint',
  'registration_endpoint',
] as const

/**
 * The configured issuer and the metadata's differ. Both are named: the usual cause is a trailing
 * slash or a letter case, which the user fixes by copying the server's spelling.
 */
function issuerMismatch(configured: string, actual: unknown, cause?: unknown): OAuthKitError {
  const named = typeof actual === 'string' ? ` (the server's is "${toDisplayText(actual)}")` : ''
  return new OAuthKitError(
    `server metadata "issuer" is not identical to ${JSON.stringify(configured)}${named}`,
    { code: 'ERR_ISSUER_MISMATCH', cause },
  )
}

// The `issuer` of the metadata oauth4webapi refused: its error's cause holds the body.
function metadataIssuer(err: unknown): unknown {
  const cause = (err as { cause?: { body?: { issuer?: unknown } } }).cause
  return cause?.body?.issuer
}

/**
 * The checks oauth4webapi leaves to us: an exact issuer (it normalises both sides as URLs), and
 * endpoints that are URLs we may use: oauth4webapi checks an endpoint only when it requests it,
 * and never checks the ones we redirect the user to (`javascript:` would run in our origin).
 */
function checkMetadata(
  metadata: ServerMetadata,
  exact: string | undefined,
  allowInsecure: boolean,
): void {
  if (exact !== undefined && metadata.issuer !== exact) {
    throw issuerMismatch(exact, metadata.issuer)
  }
  if (metadata.token_endpoint === undefined) {
    throw invalidResponse('server metadata has no "token_endpoint"')
  }
  for (const [prefix, record] of [
    ['', metadata],
    ['mtls_endpoint_aliases.', metadata.mtls_endpoint_aliases ?? {}],
  ] as const) {
    for (const name of ENDPOINTS) {
      const value = (record as Record<string, unknown>)[name]
      if (value !== undefined) checkEndpoint(prefix + name, value, allowInsecure)
    }
  }
}

function checkEndpoint(name: string, value: unknown, allowInsecure: boolean): void {
  let url: URL | undefined
  try {
    if (typeof value === 'string') url = new URL(value)
  } catch {}
  if (!url) throw invalidResponse(`server metadata "${name}" is not a URL`)
  const { protocol } = url
  if (protocol !== 'https:' && !(protocol === 'http:' && allowInsecure)) {
    throw new OAuthKitError(
      `server metadata "${name}" is not an https: URL${protocol === 'http:' ? ' (http: needs allowInsecureRequests)' : ''}`,
      { code: 'ERR_INSECURE_REQUEST' },
    )
  }
}
