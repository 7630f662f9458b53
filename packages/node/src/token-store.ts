import type { TokenSet } from '@oauthkit/core'

/**
 * A cached {@link TokenSet} as the client-credentials cache stores it: the token set plus the time
 * it was received. The receipt time gives the token's whole lifetime (`expiresAt - receivedAt`),
 * which bounds how early it is renewed: a token is never renewed before half its lifetime has
 * passed, however large the cache's `skew`.
 */
export interface StoredTokenSet extends TokenSet {
  /**
   * When the token response was received, in epoch seconds (whole, like `expiresAt`). A value
   * without it (written by an older version, or by a store that drops members) is renewed when it
   * expires rather than ahead of expiry.
   */
  receivedAt?: number
}

/**
 * Where cached tokens live: a small async key-value interface with a time-to-live, so a shared
 * store (Redis, Memcached, a database) can replace the default in-memory one. Keys never contain
 * secrets; values are plain JSON-serialisable {@link StoredTokenSet}s: keep every member (store
 * the JSON as is), and treat the store as a secret store (access tokens are bearer credentials).
 */
export interface TokenStore {
  /** The value stored under `key`, or `undefined` when there is none or it has expired. */
  get(key: string): Promise<StoredTokenSet | undefined>
  /** Stores `value` under `key` for `ttl` seconds. */
  set(key: string, value: StoredTokenSet, ttl: number): Promise<void>
  /** Removes `key`. */
  delete(key: string): Promise<void>
}
