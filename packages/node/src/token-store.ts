import type { TokenSet } from '@oauthkit/core'

/**
 * Where cached tokens live: a small async key-value interface with a time-to-live, so a shared
 * store (Redis, Memcached, a database) can replace the default in-memory one. Keys never contain
 * secrets; values are plain JSON-serialisable {@link TokenSet}s, so treat the store as a secret
 * store (access tokens are bearer credentials).
 */
export interface TokenStore {
  /** The value stored under `key`, or `undefined` when there is none or it has expired. */
  get(key: string): Promise<TokenSet | undefined>
  /** Stores `value` under `key` for `ttl` seconds. */
  set(key: string, value: TokenSet, ttl: number): Promise<void>
  /** Removes `key`. */
  delete(key: string): Promise<void>
}
