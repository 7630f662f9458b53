import { assertStore, invalidArgument } from './assert.js'
import type { Session, SessionStore } from './session-engine.js'

/** Options of {@link withSessionTtl}. Durations in seconds, like `expires_in` (RFC 6749 §5.1). */
export interface SessionTtlOptions {
  /**
   * Seconds (a finite number ≥ 0) to keep a session whose lifetime is not its access token's:
   * one with a refresh token (RFC 6749 §6), or one issued without `expires_in` (RFC 6749 §5.1).
   * Absent: until deleted.
   */
  defaultTtl?: number
  /** The clock, epoch milliseconds. */
  now?(): number
}

/**
 * Wraps a {@link SessionStore} whose entries may expire (memory, Redis) so that every write
 * carries a `ttl`: a session without a refresh token is kept as long as its access token lives
 * (its `expires_in`, RFC 6749 §5.1, rounded up: the engine checks expiry itself, so a store
 * keeping it a little longer serves nothing stale); one that can be refreshed (RFC 6749 §6)
 * outlives its access token and is kept `defaultTtl` seconds, as is one whose token lifetime is
 * unknown. Stores that keep nothing past a logout or an expiry of their own (a browser's
 * IndexedDB, the CLI's file) need none of it.
 *
 * @throws `TypeError` `ERR_INVALID_ARG_TYPE` (`store` without `get`, `set` and `delete`; an
 *   option of the wrong type) or `ERR_INVALID_ARG_VALUE` (`defaultTtl` negative or not finite), at
 *   once rather than at the first write.
 */
export function withSessionTtl(store: SessionStore, options: SessionTtlOptions = {}): SessionStore {
  assertStore(store, 'store')
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object')
  const { defaultTtl } = options
  if (defaultTtl !== undefined) {
    const expected = 'a finite number of seconds ≥ 0'
    if (typeof defaultTtl !== 'number') throw invalidArgument('options.defaultTtl', expected)
    // `!(a && b)` so that NaN, which fails every comparison, is refused too.
    if (!(defaultTtl >= 0 && Number.isFinite(defaultTtl))) {
      throw invalidArgument('options.defaultTtl', expected, 'ERR_INVALID_ARG_VALUE')
    }
  }
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw invalidArgument('options.now', 'a function')
  }
  const now = options.now ?? Date.now
  const ttlOf = ({ tokenSet }: Session): number | undefined =>
    tokenSet.refreshToken || tokenSet.expiresAt === undefined
      ? defaultTtl
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
