import type { TokenSet } from '@oauthkit/core'
import { invalidArgument } from '@oauthkit/core/internal'
import type { TokenStore } from './token-store.js'

/** Options of {@link createMemoryTokenStore}. */
export interface MemoryTokenStoreOptions {
  /** The most entries kept; the oldest are dropped first. Default 1000. */
  maxEntries?: number
  /** The clock, in epoch milliseconds. Default `Date.now`. */
  now?: () => number
}

/**
 * A {@link TokenStore} in this process's memory: the default of `createServerClient`. Values are
 * copied in and out, so a caller that mutates a returned token set cannot corrupt the cache.
 */
export function createMemoryTokenStore(options?: MemoryTokenStoreOptions): TokenStore {
  const maxEntries = options?.maxEntries ?? 1000
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw invalidArgument('options.maxEntries', 'a positive integer', 'ERR_INVALID_ARG_VALUE')
  }
  const now = options?.now ?? Date.now
  const entries = new Map<string, { value: TokenSet; expiresAt: number }>()
  return {
    async get(key) {
      const entry = entries.get(key)
      if (!entry) return undefined
      if (entry.expiresAt <= now()) {
        entries.delete(key)
        return undefined
      }
      return { ...entry.value }
    },
    async set(key, value, ttl) {
      entries.delete(key)
      entries.set(key, { value: { ...value }, expiresAt: now() + ttl * 1000 })
      // A Map iterates in insertion order: the first keys are the oldest.
      for (const oldest of entries.keys()) {
        if (entries.size <= maxEntries) break
        entries.delete(oldest)
      }
    },
    async delete(key) {
      entries.delete(key)
    },
  }
}
