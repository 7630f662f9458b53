import type { DPoPHandle, HeldLock, SessionLock } from '@oauthkit/core'
import type { DPoPExtension } from './browser-client.js'
import type { KeyValueStore } from './key-value-store.js'

/** The DPoP key pair of one client's session: see {@link createDPoPKeys}. */
export interface DPoPKeys {
  /**
   * The handle of the stored key pair, created and stored first when there is none. Taken under
   * the session lock; pass `held` when the caller already holds it (Web Locks do not nest).
   */
  handle(held?: HeldLock): Promise<DPoPHandle>
  /** Deletes the stored key pair; the caller holds the session lock. */
  retire(): Promise<void>
  /** Forgets the loaded key: another tab may have deleted or replaced it. */
  forget(): void
  /**
   * Sends `request` with `accessToken` and a proof of this key pair (RFC 9449 §7), through the
   * extension's `fetch`: a nonce asked for is retried once.
   */
  fetch(request: Request, accessToken: string, fetchImpl: typeof fetch): Promise<Response>
}

/**
 * Loads, creates and deletes the DPoP key pair (RFC 9449) at `key` under the session lock
 * `lockName`, the lock the engine refreshes under. Two tabs using DPoP for the first time at once
 * therefore end up with one key, the one their tokens are bound to; and a logout deletes the key
 * while holding it, before telling the other tabs, so none of them can load the dying key.
 */
export function createDPoPKeys(
  dpop: DPoPExtension,
  store: KeyValueStore,
  key: string,
  lock: SessionLock,
  lockName: string,
): DPoPKeys {
  let loaded: DPoPHandle | undefined
  const load = async () => {
    loaded ??= await dpop.createHandle(store, key)
    return loaded
  }
  const handle = (held?: HeldLock) =>
    loaded ? Promise.resolve(loaded) : held ? load() : lock.run(lockName, load)
  return {
    handle,
    async retire() {
      loaded = undefined
      await store.delete(key)
    },
    forget() {
      loaded = undefined
    },
    fetch: async (request, accessToken, fetchImpl) =>
      dpop.fetch(await handle(), request, accessToken, fetchImpl),
  }
}
