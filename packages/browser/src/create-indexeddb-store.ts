import { createStore, del, get, set } from 'idb-keyval'
import type { KeyValueStore } from './key-value-store.js'

/**
 * A {@link KeyValueStore} in IndexedDB, through `idb-keyval`: one database named after the SDK,
 * shared by every tab of the origin, surviving reloads. Nothing goes to `localStorage`, which any
 * script can read synchronously and which cannot hold a non-extractable DPoP key.
 *
 * The database opens on first use, not here, so creating the store is safe during SSR.
 *
 * @param databaseName - Default `oauthkit`.
 */
export function createIndexedDbStore(databaseName = 'oauthkit'): KeyValueStore {
  let store: ReturnType<typeof createStore> | undefined
  const db = () => {
    store ??= createStore(databaseName, 'entries')
    return store
  }
  return {
    get: (key) => get(key, db()),
    set: (key, value) => set(key, value, db()),
    delete: (key) => del(key, db()),
  }
}
