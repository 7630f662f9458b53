import type { KeyValueStore } from './key-value-store.js'

/**
 * A {@link KeyValueStore} in memory: the session ends with the page. Use it where tokens must not
 * reach disk, or in tests. Tabs do not share it, but a logout still reaches every tab.
 */
export function createMemoryStore(): KeyValueStore {
  const map = new Map<string, unknown>()
  return {
    get: async (key) => map.get(key),
    set: async (key, value) => {
      map.set(key, value)
    },
    delete: async (key) => {
      map.delete(key)
    },
  }
}
