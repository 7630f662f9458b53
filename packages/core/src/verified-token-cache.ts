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
   * The entry remembered for exactly `token` (the whole string is compared), or `undefined`. Its
   * `header` is the token's decoded JOSE header: the token passed the syntax checks before.
   */
  find(token: string): RememberedToken | undefined
  /**
   * A fresh copy of the claims of `found` when it may answer for this `issuer`, `audience` and
   * key set at `nowMs`; otherwise `undefined`, and the entry is forgotten.
   */
  use(
    found: RememberedToken,
    issuer: string,
    audience: string,
    jwks: object | undefined,
    nowMs: number,
    clockTolerance: number,
  ): oauth.JWTAccessTokenClaims | undefined
  /** Remembers `claims`, which a full verification of `token` (with `header`) has just returned. */
  remember(
    token: string,
    header: Readonly<Record<string, unknown>>,
    claims: oauth.JWTAccessTokenClaims,
    issuer: string,
    audience: string,
    jwks: object,
    nowMs: number,
  ): void
}

/** A remembered token, as {@link VerifiedTokenStore.find} hands it out. */
export interface RememberedToken {
  readonly header: Readonly<Record<string, unknown>>
}

interface Entry extends RememberedToken {
  /** The whole token: a hit requires it to equal the presented one, character for character. */
  token: string
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

// Entries are filed under the token's last 32 characters (signature bytes, unknowable without the
// token itself) and then compared with the whole token. Every request brings the token as a new
// string, and hashing all of its ~700 characters for the map cost more than the rest of a hit.
const SLOT_LENGTH = 32
function slotOf(token: string): string {
  return token.length > SLOT_LENGTH ? token.slice(-SLOT_LENGTH) : token
}

/** The store behind `cache`, or `undefined` when `cache` was not made by {@link createVerifiedTokenCache}. */
export function storeOf(cache: VerifiedTokenCache): VerifiedTokenStore | undefined {
  return stores.get(cache)
}

/**
 * Creates a {@link VerifiedTokenCache} to pass to `verifyJwtAccessToken` as
 * `verifiedTokenCache`. An entry answers only the exact token string it was verified for (the
 * whole string is compared); least recently presented first out; each dropped at the token's `exp`.
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
    find(token) {
      const entry = entries.get(slotOf(token))
      // Another token ending alike (a tampered copy, say) is a miss and leaves the entry alone.
      return entry !== undefined && entry.token === token ? entry : undefined
    },
    use(found, issuer, audience, jwks, nowMs, clockTolerance) {
      const entry = found as Entry
      const slot = slotOf(entry.token)
      // Forgotten or replaced since it was found (another verification ran in between).
      if (entries.get(slot) !== entry) return undefined
      if (
        entry.jwks !== jwks ||
        entry.issuer !== issuer ||
        entry.audience !== audience ||
        nowMs >= entry.expiresAt ||
        // Same rule as oauth4webapi's, so a clock that stepped back refuses exactly as it would.
        (entry.nbf !== undefined && entry.nbf > Math.floor(nowMs / 1000) + clockTolerance)
      ) {
        // Full verification decides, and remembers the token again if it still passes.
        entries.delete(slot)
        return undefined
      }
      entries.delete(slot)
      entries.set(slot, entry)
      hits++
      return JSON.parse(entry.json) as oauth.JWTAccessTokenClaims
    },
    remember(token, header, claims, issuer, audience, jwks, nowMs) {
      const { exp, nbf } = claims
      // A confirmation claim binds the token to a proof that must be checked on every request.
      if (claims.cnf !== undefined || typeof exp !== 'number' || nowMs >= exp * 1000) return
      if (nbf !== undefined && typeof nbf !== 'number') return
      const slot = slotOf(token)
      entries.delete(slot)
      while (entries.size >= maxEntries) {
        const oldest = entries.keys().next()
        if (oldest.done) break
        entries.delete(oldest.value)
      }
      entries.set(slot, {
        token,
        header,
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
