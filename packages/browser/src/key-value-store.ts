/**
 * Where the browser client keeps its state: the session (tokens and ID Token claims), pending
 * logins (PKCE verifier, `state`, `nonce`) and, with DPoP, the key pair. Replace it to keep state
 * elsewhere, for example in `chrome.storage` inside an extension.
 *
 * Values are structured-clonable objects (a DPoP key pair is a `CryptoKeyPair`), so a store that
 * serialises to JSON works only without DPoP. A missing key resolves `undefined`.
 */
export interface KeyValueStore {
  /** Reads the value at `key`, or `undefined`. */
  get(key: string): Promise<unknown>
  /** Writes `value` at `key`. */
  set(key: string, value: unknown): Promise<void>
  /** Removes `key`; removing a missing key is not an error. */
  delete(key: string): Promise<void>
}
