import { createStore, promisifyRequest, type UseStore } from 'idb-keyval'
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
  let store: UseStore | undefined
  const open = () => (store ??= createStore(databaseName, 'entries'))
  // What idb-keyval's get/set/del do, on our object store: a read resolves with the request's
  // result, a write when its transaction completes. Calling get/set/del themselves would also
  // bundle idb-keyval's default store, which their default parameter references.
  const write = (change: (entries: IDBObjectStore) => unknown): Promise<void> =>
    open()('readwrite', (entries) => {
      change(entries)
      return promisifyRequest(entries.transaction)
    })
  return {
    get: (key) => open()('readonly', (entries) => promisifyRequest(entries.get(key))),
    set: (key, value) => write((entries) => entries.put(value, key)),
    delete: (key) => write((entries) => entries.delete(key)),
  }
}
