import {
  createSingleFlight,
  isExpired,
  isOAuthResponseError,
  OAuthKitError,
  type TokenSet,
} from '@oauthkit/core'
import { abortError, raceSignal } from '@oauthkit/core/internal'
import type { StoredTokenSet, TokenStore } from './token-store.js'

/** Options of {@link createClientCredentialsCache}. Durations in seconds. */
export interface ClientCredentialsCacheOptions {
  /** Where tokens are kept. */
  store: TokenStore
  /** Renew this many seconds before expiry, at most half the token's lifetime. */
  skew: number
  /** How long a refused credential is answered from memory, and a failed renewal not retried. */
  failureCooldown: number
  /** Lifetime assumed for a token whose response had no `expires_in`. */
  defaultTtl: number
  /** The clock, epoch milliseconds. */
  now: () => number
}

/** Fetches a fresh token; given by the client. */
export type TokenRequest = () => Promise<TokenSet>

/** Reads a token for `key`, requesting one through `request` only when needed. */
export interface ClientCredentialsCache {
  get(key: string, request: TokenRequest, signal?: AbortSignal): Promise<TokenSet>
  delete(key: string): Promise<void>
}

// OAuth errors that a retry cannot fix: bad credentials or configuration (RFC 6749 §5.2).
// Replaying them for a while keeps a misconfigured fleet from hammering the server (and tripping
// its lock-out) with identical requests.
const PERMANENT = new Set([
  'invalid_client',
  'unauthorized_client',
  'invalid_scope',
  'invalid_target',
  'invalid_request',
  'unsupported_grant_type',
])

/**
 * The client-credentials token cache: one entry per key in a {@link TokenStore}; one request per
 * key under any concurrency; renewed ahead of expiry in the background while the cached token is
 * still served; a cached token is replaced only by a valid new one.
 *
 * How far ahead: `skew` seconds, but never more than half the token's lifetime (`expiresAt` minus
 * the receipt time kept in the entry). Without that bound a token issued for `skew` seconds or
 * less would be due for renewal the moment it arrives: every read would start a renewal, and the
 * renewal would discard the token it just got and ask again.
 */
export function createClientCredentialsCache(
  options: ClientCredentialsCacheOptions,
): ClientCredentialsCache {
  const { store, skew, failureCooldown, defaultTtl, now } = options
  const flight = createSingleFlight<string, TokenSet>()
  const failedAt = new Map<string, number>()
  const refusals = new Map<string, { error: unknown; until: number }>()

  const read = async (key: string): Promise<StoredTokenSet | undefined> => {
    try {
      return await store.get(key)
    } catch (cause) {
      throw new OAuthKitError('token store failed to read', { code: 'ERR_STORE_FAILED', cause })
    }
  }

  // Whether `entry` is still before its renewal point at `time` (epoch milliseconds).
  const fresh = (entry: StoredTokenSet, time: number): boolean => {
    const at = renewalPoint(entry, skew)
    return at === undefined || time / 1000 < at
  }

  const renew = (key: string, request: TokenRequest): Promise<TokenSet> =>
    flight(key, async () => {
      // Another caller, or another process sharing the store, may have renewed already.
      const current = await read(key)
      if (current && fresh(current, now())) return withoutReceipt(current)
      let tokenSet: TokenSet
      try {
        tokenSet = await request()
      } catch (err) {
        failedAt.set(key, now())
        if (isOAuthResponseError(err) && PERMANENT.has(err.error)) {
          refusals.set(key, { error: err, until: now() + failureCooldown * 1000 })
        }
        throw err
      }
      failedAt.delete(key)
      refusals.delete(key)
      const received = now()
      const ttl =
        tokenSet.expiresAt === undefined
          ? defaultTtl
          : // Rounded up: a 1 s token received late in its second still gets stored; `get`
            // checks expiry itself, so the store keeping it a little longer serves nothing stale.
            Math.ceil(tokenSet.expiresAt - received / 1000)
      if (ttl > 0) {
        // Whole seconds, like `expiresAt`: the lifetime is then exactly the `expires_in` given.
        const entry: StoredTokenSet = { ...tokenSet, receivedAt: Math.floor(received / 1000) }
        try {
          await store.set(key, entry, ttl)
        } catch (cause) {
          throw new OAuthKitError('token store failed to write', {
            code: 'ERR_STORE_FAILED',
            cause,
          })
        }
      }
      return tokenSet
    })

  return {
    async get(key, request, signal) {
      if (signal?.aborted) throw abortError(signal)
      const cached = await read(key)
      const time = now()
      if (cached && !isExpired(cached, { now: time })) {
        if (!fresh(cached, time)) {
          const last = failedAt.get(key)
          // Refresh ahead in the background: callers keep the valid token, and a failure only
          // delays the next attempt by the cooldown.
          if (last === undefined || time - last >= failureCooldown * 1000) {
            renew(key, request).catch(() => {})
          }
        }
        return withoutReceipt(cached)
      }
      const refusal = refusals.get(key)
      if (refusal && refusal.until > time) throw refusal.error
      // The request is shared by every waiter, so one caller's abort ends only its own wait.
      return raceSignal(renew(key, request), signal)
    },
    async delete(key) {
      await store.delete(key)
    },
  }
}

/**
 * When (epoch seconds) `entry` is renewed ahead of expiry: `skew` seconds before `expiresAt`, at
 * most half its lifetime. `undefined` without `expiresAt` (the store's time-to-live ends it);
 * `expiresAt` itself when the receipt time is unknown (renewed when it expires, never in a loop).
 */
function renewalPoint(entry: StoredTokenSet, skew: number): number | undefined {
  const { expiresAt, receivedAt } = entry
  if (expiresAt === undefined) return undefined
  if (typeof receivedAt !== 'number' || !Number.isFinite(receivedAt)) return expiresAt
  return expiresAt - Math.max(0, Math.min(skew, (expiresAt - receivedAt) / 2))
}

// Callers get the contract's TokenSet: the receipt time is the cache's bookkeeping.
function withoutReceipt(entry: StoredTokenSet): TokenSet {
  const { receivedAt: _receivedAt, ...tokenSet } = entry
  return tokenSet
}
