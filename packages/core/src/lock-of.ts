import type { SessionLock, SessionStore } from './session-engine.js'

/**
 * The lock a store shared between processes carries to fence its writes (`@oauthkit/redis`'s
 * `store.lock`), so that one option configures both; `undefined` when it has none.
 *
 * @internal
 */
export function lockOf(store: SessionStore | undefined): SessionLock | undefined {
  const lock = (store as { lock?: unknown } | undefined)?.lock
  return typeof (lock as Partial<SessionLock> | undefined)?.run === 'function'
    ? (lock as SessionLock)
    : undefined
}
