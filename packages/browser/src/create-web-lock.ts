import type { HeldLock, SessionLock } from '@oauthkit/core'

/**
 * The session engine's lock in a browser: the exclusive Web Lock `oauthkit <name>`, shared by
 * every tab and worker of the origin and released by the browser when its holder's page goes
 * away, so a tab that dies mid-refresh never blocks the others. The tab that gets it re-reads the
 * store first, so a refresh token another tab rotated is never spent twice (RFC 9700 §4.14.2).
 *
 * Where the Web Locks API is missing (old browsers, some embedded views) tasks run at once: the
 * in-tab single-flight still holds, and the engine's re-checks (a refused refresh token ends the
 * session only while it is still the stored one) keep a racing tab from logging the others out.
 *
 * @see https://w3c.github.io/web-locks/#api-lock-manager-request
 */
export function createWebLock(): SessionLock {
  return {
    run<T>(name: string, task: (held: HeldLock) => Promise<T>, options?: { signal?: AbortSignal }) {
      const held = { name }
      const locks = globalThis.navigator?.locks
      // An absent `signal` is a member not given (WebIDL dictionaries): the wait is not limited.
      return (
        locks
          ? locks.request(`oauthkit ${name}`, { signal: options?.signal }, () => task(held))
          : task(held)
      ) as Promise<T>
    },
  }
}
