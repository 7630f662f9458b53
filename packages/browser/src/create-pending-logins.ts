import type { AuthorizationTransaction, SessionLock } from '@oauthkit/core'
import type { KeyValueStore } from './key-value-store.js'

/** A login started with `login()` and not finished yet: what its callback is checked against. */
export interface PendingLogin extends AuthorizationTransaction {
  /** Handed back by `handleRedirect()`. */
  returnTo?: string
}

/** Pending logins by `state`. */
export type PendingLogins = Record<string, PendingLogin>

/** The pending logins of one client: see {@link createPendingLogins}. */
export interface PendingLoginStore {
  /** Reads, changes and writes the pending logins under the lock; resolves what `change` returns. */
  update<T>(change: (pending: PendingLogins) => T): Promise<T>
}

// A login left unfinished for an hour is abandoned: its callback is refused, its entry dropped.
const PENDING_LOGIN_TTL = 3_600_000

/**
 * Keeps the pending logins (PKCE verifier, `state`, `nonce`, RFC 7636 / OIDC Core §3.1.2.1) at
 * `key`, read, changed and written under the lock `key`: two tabs may log in at once, and a
 * callback must be consumed exactly once even if two tabs handle the same URL.
 */
export function createPendingLogins(
  store: KeyValueStore,
  key: string,
  lock: SessionLock,
): PendingLoginStore {
  return {
    update: (change) =>
      lock.run(key, async () => {
        const pending = ((await store.get(key)) ?? {}) as PendingLogins
        // Expired logins go first, so that their callbacks are refused like those never started.
        const now = Date.now()
        for (const [state, login] of Object.entries(pending)) {
          if (now - login.createdAt > PENDING_LOGIN_TTL) delete pending[state]
        }
        const result = change(pending)
        await store.set(key, pending)
        return result
      }),
  }
}
