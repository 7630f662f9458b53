import {
  createSessionEngine,
  isOAuthResponseError,
  type OAuthKitError,
  observeSessionEvents,
  type SessionEngineOptions,
  type SessionEvent,
  type SessionGrant,
  type SessionLock,
  type SessionStore,
  type TokenSet,
  withSessionTtl,
} from '@oauthkit/core'
import { abortError } from '@oauthkit/core/internal'

/** Options of {@link createClientCredentialsCache}. Durations in seconds. */
export interface ClientCredentialsCacheOptions {
  /** Where tokens are kept. */
  store: SessionStore
  /** Serialises requests for one key across the processes that share `store`. */
  lock: SessionLock
  /** Renew this many seconds before expiry, at most half the token's lifetime. */
  refreshAhead: number
  /** How long a refused credential is answered from memory, and a failed renewal not retried. */
  failureCooldown: number
  /** Lifetime assumed for a token whose response had no `expires_in`. */
  defaultTtl: number
  /** The clock, epoch milliseconds. */
  now: () => number
  /** Told of store failures that were worked around. */
  onError?: (error: OAuthKitError) => void
  /** Told what the engine did (see `diagnosticsChannels`). */
  onEvent?: (event: SessionEvent) => void
  /** Requests a new token for `key`. */
  request(key: string): Promise<SessionGrant>
  /** Unused: client-credentials tokens have no refresh token to revoke. */
  revoke?: undefined
}

/** Reads a token for `key`, requesting one only when needed. */
export interface ClientCredentialsCache {
  get(key: string, signal?: AbortSignal): Promise<TokenSet>
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
 * The client-credentials token cache, on the session engine: one entry per key in the store; one
 * request per key under any concurrency (and across processes with a shared store and lock);
 * renewed ahead of expiry in the background while the cached token is still served; a cached
 * token replaced only by a valid new one; a store that fails worked around with this process's
 * memory. On top of the engine: a refused credential is answered from memory for the cooldown.
 */
export function createClientCredentialsCache(
  options: ClientCredentialsCacheOptions,
): ClientCredentialsCache {
  const { store, now, failureCooldown } = options
  const refusals = new Map<string, { error: unknown; until: number }>()
  const engineOptions: SessionEngineOptions = {
    store: withSessionTtl(store, { defaultTtl: options.defaultTtl, now }),
    lock: options.lock,
    request: (_, key) => options.request(key),
    requestWithoutSession: true,
    renewInBackground: true,
    refreshAhead: options.refreshAhead,
    failureCooldown,
    now,
    ...(options.onError ? { onError: options.onError } : {}),
  }
  const engine = createSessionEngine(
    options.onEvent ? observeSessionEvents(engineOptions, options.onEvent) : engineOptions,
  )

  return {
    async get(key, signal) {
      if (signal?.aborted) throw abortError(signal)
      const refusal = refusals.get(key)
      if (refusal && refusal.until > now()) throw refusal.error
      try {
        const { tokenSet } = await engine.get(key, signal ? { signal } : undefined)
        refusals.delete(key)
        return tokenSet
      } catch (err) {
        if (isOAuthResponseError(err) && PERMANENT.has(err.error)) {
          refusals.set(key, { error: err, until: now() + failureCooldown * 1000 })
        }
        throw err
      }
    },
    async delete(key) {
      engine.forget(key)
      await store.delete(key)
    },
  }
}
