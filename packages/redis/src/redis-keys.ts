import { createHash } from 'node:crypto'

/** The Redis keys of one engine key: see the README's key layout. */
export interface RedisKeys {
  /** Where the value lives. */
  value: string
  /** The lock guarding it. */
  lock: string
}

// The engine's keys name the issuer, the client id, scopes or a session id: hashed, so that
// nothing in Redis's key space (visible to `SCAN`, `MONITOR`, slow logs) identifies a client or
// a user. The `{…}` hash tag keeps a value and its lock in one Redis Cluster slot, which the
// fencing scripts need.
export function redisKeys(prefix: string, key: string): RedisKeys {
  const hash = createHash('sha256').update(key).digest('base64url')
  const kind = /^oauthkit:([a-z-]+):/.exec(key)?.[1] ?? 'entry'
  return { value: `${prefix}oauthkit:${kind}:{${hash}}`, lock: `${prefix}oauthkit:lock:{${hash}}` }
}
