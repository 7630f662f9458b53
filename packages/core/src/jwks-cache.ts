import type * as oauth from 'oauth4webapi'
import { invalidArgument } from './assert.js'
import type { ServerMetadata } from './discover.js'
import { OAuthKitError } from './errors.js'
import { DEFAULT_TIMEOUT, type HttpOptions, limitedFetch } from './http-options.js'
import { toOAuthKitError } from './to-oauthkit-error.js'

/** Options of {@link createJwksCache}. All durations in seconds. */
export interface JwksCacheOptions {
  /**
   * How long a fetched key set is used before it is fetched again. Default 240, at most 290:
   * oauth4webapi refetches on its own once its copy is 300 seconds old, outside this cache's
   * control, so the cache always hands it a younger one.
   */
  maxAge?: number
  /**
   * The fewest seconds between two fetches caused by a token whose `kid` is unknown (or by a
   * failed refresh). Default 30. Key rotation publishes the new key before signing with it, so a
   * new `kid` is picked up at once; a flood of forged `kid`s costs at most one fetch per interval.
   */
  minRefetchInterval?: number
  /**
   * How long past `maxAge` the previous key set may still be used while the JWKS endpoint fails.
   * Default 3600; 0 fails verification as soon as a refresh fails.
   */
  maxStale?: number
}

/** What {@link JwksCache.keysFor} hands to oauth4webapi for one verification. */
export interface JwksGeneration {
  /** The metadata object oauth4webapi keys its own JWKS memory by; replaced with each key set. */
  as: ServerMetadata
  /** The key set, in oauth4webapi's external-cache shape (`jwksCache` option). */
  cache: oauth.ExportedJWKSCache
}

/**
 * The JSON Web Key Sets of one or more issuers, by `jwks_uri`: fetched once under any
 * concurrency, reused for `maxAge`, refetched at most once per `minRefetchInterval` when a token
 * names an unknown `kid`. Share one per process (the default of `verifyJwtAccessToken`).
 */
export interface JwksCache {
  /**
   * The key set to verify a token with `header` against, fetching it when there is none, it is
   * older than `maxAge`, or it has no key for the token (at most once per `minRefetchInterval`).
   * Resolves `undefined` when no key matches even after that: the token is not ours to accept.
   *
   * @throws {@link OAuthKitError} `ERR_JWKS_FAILED`, `ERR_TIMEOUT`, `ERR_NETWORK` when the key
   *   set cannot be fetched and no usable copy is cached.
   */
  keysFor(
    metadata: ServerMetadata,
    header: Record<string, unknown>,
    http?: HttpOptions,
  ): Promise<JwksGeneration | undefined>
  /** How many times the key set was requested from the network. For tests and metrics. */
  readonly fetchCount: number
  /** Forgets every key set. */
  clear(): void
}

interface Entry {
  jwks?: oauth.JWKS
  fetchedAt: number
  attemptedAt: number
  /** By issuer: issuers sharing a `jwks_uri` (multi-tenant servers) each get their own. */
  generations: Map<string, Seeded>
  pending?: Promise<void>
}

interface Seeded {
  generation: JwksGeneration
  seededAt: number
}

// oauth4webapi ignores (and refetches) a handed-over key set once it is 300 seconds old.
const OAUTH4WEBAPI_JWKS_MAX_AGE = 300

/**
 * Creates a {@link JwksCache}.
 *
 * @throws `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` for bad options.
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export function createJwksCache(options?: JwksCacheOptions): JwksCache {
  const maxAge = seconds(options?.maxAge, 240, 'options.maxAge', 0, 290)
  const minRefetchInterval = seconds(options?.minRefetchInterval, 30, 'options.minRefetchInterval')
  const maxStale = seconds(options?.maxStale, 3600, 'options.maxStale')
  const entries = new Map<string, Entry>()
  let fetchCount = 0

  const refresh = (uri: string, entry: Entry, http: HttpOptions | undefined): Promise<void> => {
    entry.pending ??= (async () => {
      entry.attemptedAt = Date.now()
      fetchCount++
      try {
        entry.jwks = await fetchJwks(uri, http)
        entry.fetchedAt = Date.now()
        entry.generations.clear()
      } finally {
        delete entry.pending
      }
    })()
    return entry.pending
  }

  // What keysFor resolves to when the key set at hand is fresh and has a candidate: no fetch, no
  // wait, so no promise (verification of a valid token spends most of its own time in promises).
  const cached: CachedKeys = (metadata, header) => {
    const entry = typeof metadata.jwks_uri === 'string' ? entries.get(metadata.jwks_uri) : undefined
    if (
      !entry?.jwks ||
      entry.pending ||
      Date.now() - entry.fetchedAt >= maxAge * 1000 ||
      !hasCandidate(entry.jwks, header)
    ) {
      return undefined
    }
    return generationOf(entry, metadata)
  }

  const cache: JwksCache = {
    get fetchCount() {
      return fetchCount
    },
    clear() {
      entries.clear()
    },
    async keysFor(metadata, header, http) {
      const hit = cached(metadata, header)
      if (hit) return hit
      const uri = metadata.jwks_uri
      if (typeof uri !== 'string') {
        throw new OAuthKitError('server metadata has no "jwks_uri"', {
          code: 'ERR_INVALID_RESPONSE',
        })
      }
      let entry = entries.get(uri)
      if (!entry) {
        entry = { fetchedAt: 0, attemptedAt: 0, generations: new Map() }
        entries.set(uri, entry)
      }
      if (entry.pending) await entry.pending.catch(() => {})
      const now = Date.now()
      if (!entry.jwks || now - entry.fetchedAt >= maxAge * 1000) {
        // A failing endpoint is asked at most once per interval while a usable copy exists.
        const usable = entry.jwks && now - entry.fetchedAt < (maxAge + maxStale) * 1000
        if (!usable || now - entry.attemptedAt >= minRefetchInterval * 1000) {
          try {
            await refresh(uri, entry, http)
          } catch (err) {
            if (!(entry.jwks && Date.now() - entry.fetchedAt < (maxAge + maxStale) * 1000)) {
              throw err
            }
          }
        }
      }
      if (!entry.jwks) return undefined
      if (!hasCandidate(entry.jwks, header)) {
        if (Date.now() - entry.attemptedAt < minRefetchInterval * 1000) return undefined
        await refresh(uri, entry, http).catch(() => {})
        if (!hasCandidate(entry.jwks, header)) return undefined
      }
      return generationOf(entry, metadata)
    },
  }
  cachedKeys.set(cache, cached)
  return cache
}

type CachedKeys = (
  metadata: ServerMetadata,
  header: Record<string, unknown>,
) => JwksGeneration | undefined

const cachedKeys = new WeakMap<JwksCache, CachedKeys>()

/**
 * What `cache.keysFor()` would resolve to right now when that takes no fetch and no wait, without
 * a promise; `undefined` when `keysFor` must be asked (nothing fresh, no candidate key, a fetch
 * under way, or a `JwksCache` not made by {@link createJwksCache}).
 *
 * @internal
 */
export function cachedKeysFor(
  cache: JwksCache,
  metadata: ServerMetadata,
  header: Record<string, unknown>,
): JwksGeneration | undefined {
  return cachedKeys.get(cache)?.(metadata, header)
}

// A fresh metadata object for oauth4webapi each time the key set changes or nears its 300-second
// horizon: oauth4webapi memoises keys per metadata object and would otherwise refetch itself.
// One per issuer: oauth4webapi checks `iss` against this object's `issuer`, so issuers sharing a
// `jwks_uri` must never be handed one another's.
function generationOf(entry: Entry, metadata: ServerMetadata): JwksGeneration {
  const now = Date.now()
  const horizon = (OAUTH4WEBAPI_JWKS_MAX_AGE - 60) * 1000
  let seeded = entry.generations.get(metadata.issuer)
  if (!seeded || now - seeded.seededAt >= horizon) {
    seeded = {
      seededAt: now,
      generation: {
        as: { ...metadata },
        cache: { jwks: entry.jwks as oauth.JWKS, uat: Math.floor(now / 1000) },
      },
    }
    entry.generations.set(metadata.issuer, seeded)
  }
  return seeded.generation
}

function seconds(
  value: unknown,
  fallback: number,
  name: string,
  min = 0,
  max = Number.POSITIVE_INFINITY,
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || Number.isNaN(value)) throw invalidArgument(name, 'a number')
  if (value < min || value > max) {
    throw invalidArgument(name, `between ${min} and ${max}`, 'ERR_INVALID_ARG_VALUE')
  }
  return value
}

const KTY: Record<string, string> = { RS: 'RSA', PS: 'RSA', ES: 'EC', Ed: 'OKP', ML: 'AKP' }
const CURVE: Record<string, string> = {
  ES256: 'P-256',
  ES384: 'P-384',
  ES512: 'P-521',
  Ed25519: 'Ed25519',
  EdDSA: 'Ed25519',
}

/**
 * Whether `jwks` has a key oauth4webapi would select for `header`. Mirrors its selection rules so
 * that oauth4webapi never falls back to a fetch of its own on an unknown `kid`.
 */
function hasCandidate(jwks: oauth.JWKS, header: Record<string, unknown>): boolean {
  const { alg, kid } = header
  if (typeof alg !== 'string') return false
  const kty = KTY[alg.slice(0, 2)]
  return jwks.keys.some(
    (jwk) =>
      jwk.kty === kty &&
      (kid === undefined || kid === jwk.kid) &&
      (jwk.alg === undefined || jwk.alg === alg) &&
      (jwk.use === undefined || jwk.use === 'sig') &&
      jwk.key_ops?.includes('verify') !== false &&
      (CURVE[alg] === undefined || jwk.crv === CURVE[alg]),
  )
}

async function fetchJwks(uri: string, http: HttpOptions | undefined): Promise<oauth.JWKS> {
  const url = new URL(uri)
  if (url.protocol !== 'https:' && http?.allowInsecureRequests !== true) {
    throw new OAuthKitError('"jwks_uri" must use https', { code: 'ERR_INSECURE_REQUEST' })
  }
  const where = `${url.origin}${url.pathname}`
  let body: unknown
  try {
    const timeout = AbortSignal.timeout(http?.timeout ?? DEFAULT_TIMEOUT)
    const response = await limitedFetch(http?.fetch, http?.maxResponseBytes)(url.href, {
      headers: { accept: 'application/json, application/jwk-set+json' },
      redirect: 'manual',
      signal: http?.signal ? AbortSignal.any([http.signal, timeout]) : timeout,
    })
    if (response.status !== 200) {
      throw new OAuthKitError(`jwks_uri ${where} answered HTTP ${response.status}`, {
        code: 'ERR_JWKS_FAILED',
      })
    }
    body = await response.json()
  } catch (err) {
    const mapped = toOAuthKitError(err)
    if (mapped instanceof OAuthKitError && mapped.code !== 'ERR_UNEXPECTED') throw mapped
    throw new OAuthKitError(`jwks_uri ${where} did not answer with JSON`, {
      code: 'ERR_JWKS_FAILED',
      cause: mapped,
    })
  }
  const keys = (body as { keys?: unknown } | null)?.keys
  if (
    !Array.isArray(keys) ||
    !keys.every((key) => typeof key === 'object' && key !== null && !Array.isArray(key))
  ) {
    throw new OAuthKitError(`jwks_uri ${where} did not answer with a JSON Web Key Set`, {
      code: 'ERR_JWKS_FAILED',
    })
  }
  return { keys } as oauth.JWKS
}
