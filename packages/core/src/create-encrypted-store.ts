import type * as oauth from 'oauth4webapi'
import { assertStore, invalidArgument } from './assert.js'
import { isCryptoKey } from './client-auth.js'
import { base64UrlDecode, base64UrlEncode } from './decode-jwt.js'
import { OAuthKitError } from './errors.js'

/**
 * The shape every oauthkit store has: async `get`, `set` and `delete` by string key. `set` may
 * take more arguments (a time-to-live, say); the encrypted store passes them on untouched.
 */
export interface AsyncKeyValueStore {
  /** The value at `key`, or `undefined`. */
  get(key: string): Promise<unknown>
  /** Writes `value` at `key`. */
  set(key: string, value: never, ...rest: never[]): Promise<void>
  /** Removes `key`; may resolve what it removed. More arguments pass on untouched. */
  delete(key: string, ...rest: never[]): Promise<unknown>
}

/** An AES-GCM key of an encrypted store, with the id stored next to each value it seals. */
export interface StoreEncryptionKey {
  /** Names the key in every value sealed with it, so that keys can rotate. */
  id: string
  /**
   * An AES-GCM `CryptoKey` (128 or 256 bits) allowed to `encrypt` and `decrypt`, best made
   * non-extractable; or its 16 or 32 raw bytes, imported as such on first use.
   */
  key: oauth.CryptoKey | Uint8Array
}

/** Options of {@link createEncryptedStore}. */
export interface EncryptedStoreOptions {
  /**
   * The keys, current first: new values are sealed with the first, and any of them opens a value
   * naming its `id`. To rotate, put a new key first and keep the old one until every value has
   * been written again (each session is, at its next refresh).
   */
  keys: readonly StoreEncryptionKey[]
  /**
   * Reads values stored before encryption was turned on (plain values) as they are, so that
   * existing sessions survive the switch; they are sealed at their next write. Default `false`:
   * a plain value reads as absent, since anyone able to write the store could plant one.
   */
  acceptPlaintext?: boolean
}

/** A value as an encrypted store writes it: JSON-safe, so any store can hold it. */
export interface SealedValue {
  /** Marks the format (version 1: AES-GCM, 96-bit IV, the store key as additional data). */
  oauthkit_sealed: 1
  /** The {@link StoreEncryptionKey.id} that sealed it. */
  kid: string
  /** The initialization vector, base64url. */
  iv: string
  /** The ciphertext and tag of the value's JSON, base64url. */
  data: string
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * Wraps a store so that every value is encrypted at rest with AES-GCM (NIST SP 800-38D) under a
 * key the application holds: the store (IndexedDB, a file, Redis, a backup of any of them) only
 * ever sees ciphertext. Each value is sealed with a fresh random IV and bound to its store key
 * (additional authenticated data), so a value copied to another key does not open, and carries
 * its key id, so keys can rotate.
 *
 * What it protects against: a copied disk or backup, a Redis dump or a replica, a process or
 * extension that can read the storage but not run code in your page or process. What it does
 * not: code running in the page (an XSS) or in the process, which can call the store like the
 * SDK does, or use the key. Values are JSON-serialised before sealing; a `CryptoKey` or
 * `CryptoKeyPair` (the browser's non-extractable DPoP key pair, which nobody can export) is
 * stored as it is.
 *
 * @param store - Any store with async `get`, `set`, `delete` (browser `KeyValueStore`, node
 *   `TokenStore`, a Redis adapter...).
 * @returns A store of the same shape.
 * @throws `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` for bad options. Its `get` throws
 *   {@link OAuthKitError} `ERR_STORE_DECRYPTION_FAILED` for a sealed value that does not open
 *   (tampered, or sealed for another key); a value sealed with an unknown key id reads as absent.
 * @see https://www.rfc-editor.org/rfc/rfc5116#section-5.1
 */
export function createEncryptedStore<S extends AsyncKeyValueStore>(
  store: S,
  options: EncryptedStoreOptions,
): S {
  assertStore(store, 'store')
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object')
  const { keys, acceptPlaintext = false } = options
  if (!Array.isArray(keys) || keys.length === 0) {
    throw invalidArgument('options.keys', 'a non-empty array of { id, key }')
  }
  if (typeof acceptPlaintext !== 'boolean') {
    throw invalidArgument('options.acceptPlaintext', 'a boolean')
  }
  const byId = new Map<string, Promise<oauth.CryptoKey>>()
  keys.forEach((entry: StoreEncryptionKey, index) => {
    const name = `options.keys[${index}]`
    if (typeof entry !== 'object' || entry === null) throw invalidArgument(name, '{ id, key }')
    if (typeof entry.id !== 'string' || entry.id === '') {
      throw invalidArgument(`${name}.id`, 'a non-empty string')
    }
    if (byId.has(entry.id)) throw invalidArgument(`${name}.id`, 'unique', 'ERR_INVALID_ARG_VALUE')
    byId.set(entry.id, aesKey(entry.key, `${name}.key`))
  })
  const current = (keys[0] as StoreEncryptionKey).id
  // A rejected import is reported by the call that needs the key, not as an unhandled rejection.
  for (const pending of byId.values()) pending.catch(() => {})

  // A value as read (or as removed) from the store, opened.
  const open = async (key: string, stored: unknown): Promise<unknown> => {
    if (stored === undefined || stored === null) return stored
    if (!isSealed(stored)) return acceptPlaintext || isCryptoKeyValue(stored) ? stored : undefined
    const cryptoKey = byId.get(stored.kid)
    if (!cryptoKey) return undefined // sealed with a key that was retired
    let json: string
    try {
      const plaintext = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: bytes(stored.iv), additionalData: aad(key, stored.kid) },
        await cryptoKey,
        bytes(stored.data),
      )
      json = decoder.decode(plaintext)
    } catch (cause) {
      throw new OAuthKitError('a stored value could not be decrypted', {
        code: 'ERR_STORE_DECRYPTION_FAILED',
        cause,
      })
    }
    return JSON.parse(json)
  }

  const wrapped: AsyncKeyValueStore = {
    get: async (key) => open(key, await store.get(key)),
    async set(key, value, ...rest) {
      if (isCryptoKeyValue(value)) return store.set(key, value, ...rest)
      const iv = crypto.getRandomValues(new Uint8Array(12))
      const data = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: aad(key, current) },
        await (byId.get(current) as Promise<oauth.CryptoKey>),
        encoder.encode(JSON.stringify(value)),
      )
      const sealed: SealedValue = {
        oauthkit_sealed: 1,
        kid: current,
        iv: base64UrlEncode(iv),
        data: base64UrlEncode(new Uint8Array(data)),
      }
      return store.set(key, sealed as never, ...rest)
    },
    // The write options (a held lock's token, which fences the delete) pass on, and what the
    // store says it removed is opened: the session engine revokes a refresh token it finds there.
    async delete(key, ...rest: never[]) {
      const removed = await (store.delete as (key: string, ...rest: never[]) => Promise<unknown>)(
        key,
        ...rest,
      )
      return open(key, removed).catch(() => undefined)
    },
  }
  // Everything else the store has (a `list`, a `close`...) stays reachable; its `lock` (the
  // Redis store's) as an own property, so that whoever looks for it finds it.
  const lock = (store as { lock?: unknown }).lock
  return Object.assign(Object.create(store), lock === undefined ? {} : { lock }, wrapped) as S
}

// The store key and key id are authenticated with the value: moved to another key, or relabelled
// with another key id, it no longer opens.
function aad(key: string, kid: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(`oauthkit-sealed-v1\u0000${kid}\u0000${key}`)
}

function aesKey(value: unknown, name: string): Promise<oauth.CryptoKey> {
  if (value instanceof Uint8Array) {
    if (value.length !== 16 && value.length !== 32) {
      throw invalidArgument(name, '16 or 32 bytes', 'ERR_INVALID_ARG_VALUE')
    }
    return crypto.subtle.importKey('raw', value.slice(), 'AES-GCM', false, ['encrypt', 'decrypt'])
  }
  if (!isCryptoKey(value)) throw invalidArgument(name, 'an AES-GCM CryptoKey or 16/32 bytes')
  const key = value
  if (
    key.algorithm.name !== 'AES-GCM' ||
    !key.usages.includes('encrypt') ||
    !key.usages.includes('decrypt')
  ) {
    throw invalidArgument(name, 'an AES-GCM key for encrypt and decrypt', 'ERR_INVALID_ARG_VALUE')
  }
  return Promise.resolve(key)
}

function isSealed(value: unknown): value is SealedValue {
  const sealed = value as Partial<SealedValue>
  return (
    typeof value === 'object' &&
    sealed.oauthkit_sealed === 1 &&
    typeof sealed.kid === 'string' &&
    typeof sealed.iv === 'string' &&
    typeof sealed.data === 'string'
  )
}

// The browser's DPoP key pair: non-extractable, so storing it as is reveals nothing usable
// elsewhere, and it could not be serialised anyway.
function isCryptoKeyValue(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  return isCryptoKey(value) || isCryptoKey((value as { privateKey?: unknown }).privateKey)
}

const bytes = (base64url: string) => base64UrlDecode(base64url) as Uint8Array<ArrayBuffer>
