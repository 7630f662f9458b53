import { OAuthKitError, type Session, type SessionLock, type SessionStore } from '@oauthkit/core'
import { invalidArgument } from '@oauthkit/core/internal'
import { createRedisLock } from './create-redis-lock.js'
import { type RedisClient, toRedisCommand } from './redis-command.js'
import { publish, redisChannels } from './redis-diagnostics.js'
import { redisKeys } from './redis-keys.js'
import { createRedisLink } from './redis-link.js'
import { DELETE_IF_EQUAL, FENCED_DELETE, FENCED_SET } from './redis-scripts.js'

/** Options of {@link createRedisStore}. Durations in milliseconds. */
export interface RedisStoreOptions {
  /** A connected node-redis (`createClient()`) or ioredis (`new Redis()`) client. */
  client: RedisClient
  /** Put before every key, for example `'myapp:'`. Default `''`. */
  prefix?: string
  /** Each Redis command fails after this long, and the SDK uses its memory instead. Default 500. */
  timeout?: number
  /** After Redis failed, it is left alone this long before being tried again. Default 1000. */
  retryAfter?: number
  /**
   * How long a lock lives unless released: longer than a token request (the server client's
   * `timeout`, default 30 000) plus the write after it, so that a live holder keeps it and a dead
   * one's is taken over once it runs out. Default 35 000.
   */
  lockTtl?: number
  /**
   * The longest pause between two tries of a lock another process holds: a waiter learns of the
   * holder's result within it (`bench/redis-token-cache.mjs` measures it). Default 20.
   */
  maxPoll?: number
  /** Told when Redis becomes unreachable, and of stored values that were dropped. */
  onError?: (error: OAuthKitError) => void
  /** The clock, epoch milliseconds. For tests. */
  now?: () => number
}

/** A {@link SessionStore} in Redis, with the {@link SessionLock} that fences its writes. */
export interface RedisSessionStore extends SessionStore {
  /** The distributed lock on the same Redis; the server client uses it when given this store. */
  readonly lock: SessionLock
}

// Bumped when the stored shape changes: a value of another version is dropped and fetched again.
const VERSION = 1

/**
 * Creates a session store shared by every process that uses the same Redis and `prefix`: give
 * it as `tokenCache.store` (client credentials) or `sessions.store` (server-side sessions) of
 * `createServerClient`, which then also uses its `lock`. Values are JSON with a version field;
 * keys hash what they are for, so no client id, scope or session id appears in Redis's key
 * space. Values are bearer credentials: restrict access to this Redis, and encrypt them at rest
 * where that matters.
 *
 * Writes made while holding the lock are fenced: a script checks atomically that the writer's
 * owner token still holds the lock. Every command has a deadline; when Redis is out of reach the
 * store fails fast (`ERR_STORE_UNAVAILABLE`, `ERR_TIMEOUT`), which the session engine works
 * around with its memory, and the lock falls back to one process.
 *
 * @throws `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` naming the bad option.
 * @see https://redis.io/docs/latest/develop/use/patterns/distributed-locks/
 * @example
 * ```ts
 * const redis = await createClient({ url }).on('error', report).connect()
 * const client = createServerClient({ issuer, clientId, clientSecret,
 *   tokenCache: { store: createRedisStore({ client: redis, prefix: 'myapp:' }) } })
 * ```
 */
export function createRedisStore(options: RedisStoreOptions): RedisSessionStore {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object')
  const command = toRedisCommand(options.client)
  if (!command) throw invalidArgument('options.client', 'a node-redis or ioredis client')
  const prefix = options.prefix ?? ''
  if (typeof prefix !== 'string') throw invalidArgument('options.prefix', 'a string')
  const ms = (name: keyof RedisStoreOptions, fallback: number): number => {
    const value = options[name] ?? fallback
    if (typeof value !== 'number')
      throw invalidArgument(`options.${name}`, 'a number of milliseconds')
    if (!Number.isInteger(value) || value < 1 || value > 2_147_483_647) {
      throw invalidArgument(
        `options.${name}`,
        'a whole number of milliseconds ≥ 1',
        'ERR_INVALID_ARG_VALUE',
      )
    }
    return value
  }
  for (const hook of ['onError', 'now'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function') {
      throw invalidArgument(`options.${hook}`, 'a function')
    }
  }
  const report = (error: OAuthKitError): void => {
    try {
      options.onError?.(error)
    } catch {
      // The hook's failure is its own.
    }
  }
  const link = createRedisLink(command, {
    timeout: ms('timeout', 500),
    retryAfter: ms('retryAfter', 1000),
    onError: report,
    now: options.now ?? Date.now,
  })
  const lock = createRedisLock({
    link,
    prefix,
    lockTtl: ms('lockTtl', 35_000),
    maxPoll: ms('maxPoll', 20),
  })

  const drop = async (valueKey: string, raw: string, reason: string): Promise<undefined> => {
    publish(redisChannels.invalidValue, { reason })
    report(new OAuthKitError(`dropped a stored value: ${reason}`, { code: 'ERR_STORE_CORRUPT' }))
    // Only that value: a valid one written meanwhile stays.
    await link.send(['EVAL', DELETE_IF_EQUAL, '1', valueKey, raw], 'delete').catch(() => {})
    return undefined
  }

  return {
    lock,
    async get(key) {
      const { value } = redisKeys(prefix, key)
      const raw = await link.send(['GET', value], 'get')
      if (raw === null || raw === undefined) return undefined
      const decoded = decode(raw)
      return typeof decoded === 'string' ? drop(value, String(raw), decoded) : decoded
    },
    async set(key, session, writeOptions) {
      const keys = redisKeys(prefix, key)
      const ttl = writeOptions?.ttl
      const px = ttl === undefined ? 0 : Math.max(1, Math.ceil(ttl * 1000))
      const body = JSON.stringify({ v: VERSION, session })
      const token = writeOptions?.lock?.token ?? ''
      const written = await link.send(
        ['EVAL', FENCED_SET, '2', keys.value, keys.lock, token, body, String(px)],
        'set',
      )
      if (Number(written) !== 1) throw lockLost()
    },
    async delete(key, writeOptions) {
      const keys = redisKeys(prefix, key)
      const token = writeOptions?.lock?.token ?? ''
      const reply = await link.send(
        ['EVAL', FENCED_DELETE, '2', keys.value, keys.lock, token],
        'delete',
      )
      if (!Array.isArray(reply)) throw lockLost()
      // What was removed, so that the engine revokes a refresh token saved just before.
      const removed = reply[1] ? decode(reply[1]) : undefined
      return typeof removed === 'object' ? removed : undefined
    },
  }
}

// The stored session, or why the value is unreadable.
function decode(raw: unknown): Session | string {
  if (typeof raw !== 'string') return 'not a string'
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    return 'not JSON'
  }
  const { v, session } = (parsed ?? {}) as { v?: unknown; session?: unknown }
  if (v !== VERSION) return 'unknown version'
  if (typeof session !== 'object' || session === null) return 'no session'
  return session as Session
}

function lockLost(): OAuthKitError {
  return new OAuthKitError('the lock expired before the write; another holder owns it now', {
    code: 'ERR_LOCK_LOST',
  })
}
