import {
  createEncryptedStore,
  type EncryptedStoreOptions,
  type StoreEncryptionKey,
} from '@oauthkit/core'
import { createStore, promisifyRequest } from 'idb-keyval'
import { createIndexedDbStore } from './create-indexeddb-store.js'
import type { KeyValueStore } from './key-value-store.js'

/** Options of {@link createEncryptedIndexedDbStore}. */
export interface EncryptedIndexedDbStoreOptions {
  /** The database of the values. Default `oauthkit`; the generated key lives in `<name>-key`. */
  databaseName?: string
  /**
   * AES-GCM keys the application supplies, current first (see `createEncryptedStore`). Default:
   * one non-extractable AES-GCM 256 key, generated on first use and kept in IndexedDB.
   */
  keys?: EncryptedStoreOptions['keys']
  /** Reads values written before encryption was turned on. Default `false`. */
  acceptPlaintext?: boolean
}

const KEY_ENTRY = 'store-key'

/**
 * A {@link KeyValueStore} in IndexedDB whose values are encrypted with AES-GCM
 * (`createEncryptedStore` from `@oauthkit/core`). Without `keys`, the key is generated in the
 * browser, non-extractable, and kept in its own IndexedDB database: script can use it but never
 * read its bytes, so a copy of the profile's IndexedDB files (a stolen disk, a backup, a tool or
 * extension that reads storage without running in the page) holds only ciphertext, and nothing
 * that opens it outside this browser. It does not protect against script running in the page,
 * which can ask the SDK for the tokens like the application does.
 *
 * @see https://www.w3.org/TR/WebCryptoAPI/#concepts-key-storage
 */
export function createEncryptedIndexedDbStore(
  options: EncryptedIndexedDbStoreOptions = {},
): KeyValueStore {
  const databaseName = options.databaseName ?? 'oauthkit'
  const values = createIndexedDbStore(databaseName)
  if (options.keys) {
    return createEncryptedStore(values, {
      keys: options.keys,
      acceptPlaintext: options.acceptPlaintext === true,
    })
  }
  // The key is needed only at the first read or write, not at creation (SSR-safe, like the store).
  let encrypted: Promise<KeyValueStore> | undefined
  const ready = (): Promise<KeyValueStore> => {
    encrypted ??= storedKey(`${databaseName}-key`).then((key) =>
      createEncryptedStore(values, {
        keys: [key],
        acceptPlaintext: options.acceptPlaintext === true,
      }),
    )
    encrypted.catch(() => {
      encrypted = undefined
    })
    return encrypted
  }
  return {
    get: async (key) => (await ready()).get(key),
    set: async (key, value) => (await ready()).set(key, value),
    delete: async (key) => (await ready()).delete(key),
  }
}

// The key of this origin: read, or generated and written in the same transaction as the read, so
// two tabs starting together agree on one key (the second tab's write never happens).
async function storedKey(databaseName: string): Promise<StoreEncryptionKey> {
  const generated: StoreEncryptionKey = {
    id: `browser-${crypto.randomUUID()}`,
    key: await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
      'encrypt',
      'decrypt',
    ]),
  }
  let kept: StoreEncryptionKey = generated
  await createStore(databaseName, 'keys')('readwrite', (keys) => {
    const read = keys.get(KEY_ENTRY)
    read.onsuccess = () => {
      if (read.result) kept = read.result as StoreEncryptionKey
      else keys.put(generated, KEY_ENTRY)
    }
    return promisifyRequest(keys.transaction)
  })
  return kept
}
