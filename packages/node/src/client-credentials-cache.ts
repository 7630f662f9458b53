import {
  createSingleFlight,
  isExpired,
  isOAuthResponseError,
  OAuthKitError,
  type TokenSet,
} from '@oauthkit/core'
import type { TokenStore } from './token-store.js'

/** Options of {@link createClientCredentialsCache}. Durations in seconds. */
export interface ClientCredentialsCacheOptions {
  /** Where tokens are kept. */
  store: TokenStore
  /** Renew this many seconds before expiry. */
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
 * key under any concurrency; renewed `skew` seconds ahead of expiry in the background while the
 * cached token is still served; a cached token is replaced only by a valid new one.
 */
export function createClientCredentialsCache(
  options: ClientCredentialsCacheOptions,
): ClientCredentialsCache {
  const { store, skew, failureCooldown, defaultTtl, now } = options
  const flight = createSingleFlight<string, TokenSet>()
  const failedAt = new Map<string, number>()
  const refusals = new Map<string, { error: unknown; until: number }>()

  const read = async (key: string): Promise<TokenSet | undefined> => {
    try {
      return await store.get(key)
    } catch (cause) {
      throw new OAuthKitError('token store failed to read', { code: 'ERR_STORE_FAILED', cause })
    }
  }

  const renew = (key: string, request: TokenRequest): Promise<TokenSet> =>
    flight(key, async () => {
      // Another caller, or another process sharing the store, may have renewed already.
      const current = await read(key)
      if (current && !isExpired(current, { skew, now: now() })) return current
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
      const ttl =
        tokenSet.expiresAt === undefined
          ? defaultTtl
          : Math.floor(tokenSet.expiresAt - now() / 1000)
      if (ttl > 0) {
        try {
          await store.set(key, tokenSet, ttl)
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
      if (signal?.aborted) throw aborted(signal)
      const cached = await read(key)
      const time = now()
      if (cached && !isExpired(cached, { now: time })) {
        if (isExpired(cached, { skew, now: time })) {
          const last = failedAt.get(key)
          // Refresh ahead in the background: callers keep the valid token, and a failure only
          // delays the next attempt by the cooldown.
          if (last === undefined || time - last >= failureCooldown * 1000) {
            renew(key, request).catch(() => {})
          }
        }
        return cached
      }
      const refusal = refusals.get(key)
      if (refusal && refusal.until > time) throw refusal.error
      return withSignal(renew(key, request), signal)
    },
    async delete(key) {
      await store.delete(key)
    },
  }
}

// The request is shared by every waiter, so one caller's abort ends only its own wait.
function withSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted(signal))
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

function aborted(signal: AbortSignal): OAuthKitError {
  const timeout = (signal.reason as { name?: unknown } | undefined)?.name === 'TimeoutError'
  return timeout
    ? new OAuthKitError('request timed out', { code: 'ERR_TIMEOUT' })
    : new OAuthKitError('request was aborted', { code: 'ERR_ABORTED' })
}
