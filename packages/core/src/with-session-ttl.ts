import type { Session, SessionStore } from './session-engine.js'

/** Options of {@link withSessionTtl}. */
export interface SessionTtlOptions {
  /** Seconds to keep a session whose lifetime is not its access token's; absent: until deleted. */
  defaultTtl?: number
  /** The clock, epoch milliseconds. */
  now?(): number
}

/**
 * Wraps a {@link SessionStore} whose entries may expire (memory, Redis) so that every write
 * carries a `ttl`: a session without a refresh token is kept as long as its access token lives
 * (rounded up: the engine checks expiry itself, so a store keeping it a little longer serves
 * nothing stale); one that can be refreshed outlives its access token and is kept `defaultTtl`
 * seconds, as is one whose token lifetime is unknown. Stores that keep nothing past a logout or
 * an expiry of their own (a browser's IndexedDB, the CLI's file) need none of it.
 */
export function withSessionTtl(store: SessionStore, options: SessionTtlOptions = {}): SessionStore {
  const now = options.now ?? Date.now
  const ttlOf = ({ tokenSet }: Session): number | undefined =>
    tokenSet.refreshToken || tokenSet.expiresAt === undefined
      ? options.defaultTtl
      : Math.max(1, Math.ceil(tokenSet.expiresAt - now() / 1000))
  return {
    get: (key) => store.get(key),
    set(key, session, writeOptions) {
      const ttl = ttlOf(session)
      return store.set(key, session, ttl === undefined ? writeOptions : { ...writeOptions, ttl })
    },
    delete: (key, writeOptions) => store.delete(key, writeOptions),
  }
}
