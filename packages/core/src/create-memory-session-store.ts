import { invalidArgument } from './assert.js'
import type { Session, SessionStore } from './session-engine.js'

/** Options of {@link createMemorySessionStore}. */
export interface MemorySessionStoreOptions {
  /** The most entries kept; the oldest are dropped first. Default 1000. */
  maxEntries?: number
  /** The clock, in epoch milliseconds. Default `Date.now`. */
  now?: () => number
}

/**
 * A {@link SessionStore} in this process's memory, honouring each write's `ttl`: the default
 * store of the server client. Values are copied in and out, so a caller that mutates a returned
 * session cannot corrupt the store. One process only: a fleet shares a store such as
 * `@oauthkit/redis`.
 */
export function createMemorySessionStore<V = Session>(
  options?: MemorySessionStoreOptions,
): SessionStore<V> {
  const maxEntries = options?.maxEntries ?? 1000
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw invalidArgument('options.maxEntries', 'a positive integer', 'ERR_INVALID_ARG_VALUE')
  }
  const now = options?.now ?? Date.now
  const entries = new Map<string, { value: V; expiresAt: number }>()
  return {
    async get(key) {
      const entry = entries.get(key)
      if (!entry) return undefined
      if (entry.expiresAt <= now()) {
        entries.delete(key)
        return undefined
      }
      return structuredClone(entry.value)
    },
    async set(key, value, writeOptions) {
      const ttl = writeOptions?.ttl
      entries.delete(key)
      entries.set(key, {
        value: structuredClone(value),
        expiresAt: ttl === undefined ? Number.POSITIVE_INFINITY : now() + ttl * 1000,
      })
      // A Map iterates in insertion order: the first keys are the oldest.
      for (const oldest of entries.keys()) {
        if (entries.size <= maxEntries) break
        entries.delete(oldest)
      }
    },
    async delete(key) {
      const entry = entries.get(key)
      entries.delete(key)
      return entry && entry.expiresAt > now() ? structuredClone(entry.value) : undefined
    },
  }
}
