import type * as oauth from 'oauth4webapi'
import { invalidArgument } from './assert.js'

/** Options of {@link createVerifiedTokenCache}. */
export interface VerifiedTokenCacheOptions {
  /**
   * The most tokens remembered at once; past it the least recently presented one is forgotten.
   * Default 1000. Each entry holds the token and its claims, a few kilobytes at most.
   */
  maxEntries?: number
}

/**
 * Access tokens that passed full RFC 9068 §4 verification, remembered so that the next
 * presentation of the exact same token skips the signature check. Opaque on purpose: only
 * `verifyJwtAccessToken` can add an entry, and only after a full successful verification.
 *
 * What a remembered token still goes through on every presentation: the `Authorization` header
 * checks (scheme, size, query-string tokens), the `alg` allow-list, the key lookup in the JWKS
 * cache, `exp` (never past it: no clock tolerance is added), `nbf` (with the clock tolerance, as
 * full verification does) and the required `scopes` of the call. An entry is used only for the
 * issuer and audience it was verified for, and only while the JWKS cache still holds the very key
 * set its signature was checked against: any refetch of the key set (every `maxAge`, or for an
 * unknown `kid`) sends the token through full verification again, so a key removed from the JWKS
 * stops being honoured at that refetch. Refusals are never remembered. DPoP-bound tokens
 * (`cnf`, RFC 9449 §6) and requests carrying a `DPoP` header are never served from it.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export interface VerifiedTokenCache {
  /** The most entries kept. */
  readonly maxEntries: number
  /** How many tokens are remembered now (expired ones are dropped when next looked up). */
  readonly size: number
  /** How many presentations were answered from the cache. For tests and metrics. */
  readonly hits: number
  /** Forgets every token. */
  clear(): void
}

/**
 * What `verifyJwtAccessToken` reads and writes; reachable only through {@link storeOf}, which the
 * package entry point does not export.
 */
export interface VerifiedTokenStore {
  /**
   * A fresh copy of the claims remembered for exactly `token`, or `undefined` when there is none
   * usable for this `issuer`, `audience` and key set at `nowMs`.
   */
  lookup(
    token: string,
    issuer: string,
    audience: string,
    jwks: object | undefined,
    nowMs: number,
    clockTolerance: number,
  ): oauth.JWTAccessTokenClaims | undefined
  /** Remembers `claims`, which a full verification of `token` has just returned. */
  remember(
    token: string,
    claims: oauth.JWTAccessTokenClaims,
    issuer: string,
    audience: string,
    jwks: object,
    nowMs: number,
  ): void
}

interface Entry {
  issuer: string
  audience: string
  /** The key set the signature was verified against, compared by identity. */
  jwks: object
  /** The claims as JSON: parsed again on every hit so that no caller can alter another's copy. */
  json: string
  /** `exp` in milliseconds: the entry is never used at or after it. */
  expiresAt: number
  nbf: number | undefined
}

const stores = new WeakMap<VerifiedTokenCache, VerifiedTokenStore>()

/** The store behind `cache`, or `undefined` when `cache` was not made by {@link createVerifiedTokenCache}. */
export function storeOf(cache: VerifiedTokenCache): VerifiedTokenStore | undefined {
  return stores.get(cache)
}

/**
 * Creates a {@link VerifiedTokenCache} to pass to `verifyJwtAccessToken` as
 * `verifiedTokenCache`. Keyed by the exact token string (a `Map`, so the whole string is
 * compared), least recently presented first out, each entry dropped at the token's `exp`.
 *
 * @throws `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` for bad options.
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export function createVerifiedTokenCache(options?: VerifiedTokenCacheOptions): VerifiedTokenCache {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw invalidArgument('options', 'an object')
  }
  const maxEntries = options?.maxEntries ?? 1000
  if (typeof maxEntries !== 'number') throw invalidArgument('options.maxEntries', 'a number')
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw invalidArgument('options.maxEntries', 'a positive integer', 'ERR_INVALID_ARG_VALUE')
  }
  // Insertion order is recency order: a hit moves its entry to the end, eviction takes the first.
  const entries = new Map<string, Entry>()
  let hits = 0

  const store: VerifiedTokenStore = {
    lookup(token, issuer, audience, jwks, nowMs, clockTolerance) {
      const entry = entries.get(token)
      if (!entry) return undefined
      if (
        entry.jwks !== jwks ||
        entry.issuer !== issuer ||
        entry.audience !== audience ||
        nowMs >= entry.expiresAt ||
        // Same rule as oauth4webapi's, so a clock that stepped back refuses exactly as it would.
        (entry.nbf !== undefined && entry.nbf > Math.floor(nowMs / 1000) + clockTolerance)
      ) {
        // Full verification decides, and remembers the token again if it still passes.
        entries.delete(token)
        return undefined
      }
      entries.delete(token)
      entries.set(token, entry)
      hits++
      return JSON.parse(entry.json) as oauth.JWTAccessTokenClaims
    },
    remember(token, claims, issuer, audience, jwks, nowMs) {
      const { exp, nbf } = claims
      // A confirmation claim binds the token to a proof that must be checked on every request.
      if (claims.cnf !== undefined || typeof exp !== 'number' || nowMs >= exp * 1000) return
      if (nbf !== undefined && typeof nbf !== 'number') return
      entries.delete(token)
      while (entries.size >= maxEntries) {
        const oldest = entries.keys().next()
        if (oldest.done) break
        entries.delete(oldest.value)
      }
      entries.set(token, {
        issuer,
        audience,
        jwks,
        json: JSON.stringify(claims),
        expiresAt: exp * 1000,
        nbf,
      })
    },
  }
  const cache: VerifiedTokenCache = {
    maxEntries,
    get size() {
      return entries.size
    },
    get hits() {
      return hits
    },
    clear() {
      entries.clear()
    },
  }
  stores.set(cache, store)
  return cache
}
