import type { Session, SessionStore } from '@oauthkit/core'
import type { KeyValueStore } from './key-value-store.js'

/**
 * The session engine's store over a {@link KeyValueStore} (IndexedDB by default): sessions are
 * kept as they are, structured-cloned. A value that is not a session (a store shared with other
 * data, an entry from an older version) reads as none. The engine's TTL is not needed here: it
 * checks expiry itself, and a session with a refresh token outlives its access token. Writes are
 * fenced by the Web Lock the engine holds, so the lock token is not needed either.
 */
export function toSessionStore(store: KeyValueStore): SessionStore {
  return {
    async get(key) {
      const value = (await store.get(key)) as Session | undefined
      return value?.tokenSet ? value : undefined
    },
    set: (key, session) => store.set(key, session),
    delete: (key) => store.delete(key),
  }
}
