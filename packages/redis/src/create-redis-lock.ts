import { randomUUID } from 'node:crypto'
import { createProcessLock, type OAuthKitError, type SessionLock } from '@oauthkit/core'
import { abortError } from '@oauthkit/core/internal'
import { publish, redisChannels } from './redis-diagnostics.js'
import { redisKeys } from './redis-keys.js'
import type { RedisLink } from './redis-link.js'
import { DELETE_IF_EQUAL } from './redis-scripts.js'

/** Options of {@link createRedisLock}. Durations in milliseconds. */
export interface RedisLockOptions {
  /** Redis, with deadlines and its breaker. */
  link: RedisLink
  /** Prefix of every key. */
  prefix: string
  /** How long a lock lives unless released: must cover a token request and the write after it. */
  lockTtl: number
  /** The longest pause between two tries of a lock another process holds. */
  maxPoll: number
}

/**
 * A {@link SessionLock} shared by every process on one Redis: `SET key token NX PX lockTtl` with
 * a random owner token, released by a script that deletes the key only while it still holds that
 * token, so a holder that outlived its lock never releases its successor's. Within one process,
 * contenders queue on an in-process lock first, so one process polls Redis for a key at a time.
 * Waiters poll with a doubling pause (5 ms up to `maxPoll`, jittered): the holder's write is seen within
 * one pause of its release. When Redis is out of reach the in-process lock alone is used: each
 * process then makes at most one request per key, and the fleet goes back to sharing when Redis
 * answers again.
 */
export function createRedisLock(options: RedisLockOptions): SessionLock {
  const { link, prefix, lockTtl, maxPoll } = options
  const local = createProcessLock()

  const fallback = <T>(
    name: string,
    error: OAuthKitError | undefined,
    task: (held: { name: string }) => Promise<T>,
  ) => {
    publish(redisChannels.lockFallback, { code: error?.code ?? 'ERR_STORE_UNAVAILABLE' })
    return task({ name })
  }

  return {
    run(name, task, runOptions) {
      const signal = runOptions?.signal
      return local.run(
        name,
        async () => {
          if (!link.available()) return fallback(name, undefined, task)
          const { lock } = redisKeys(prefix, name)
          const token = randomUUID()
          let pause = 5
          for (;;) {
            let reply: unknown
            try {
              reply = await link.send(['SET', lock, token, 'NX', 'PX', String(lockTtl)], 'lock')
            } catch (err) {
              return fallback(name, err as OAuthKitError, task)
            }
            if (reply === 'OK') break
            // Jittered, so that waiters in different processes do not try in step.
            await sleep(pause * (0.75 + Math.random() / 2), signal)
            pause = Math.min(pause * 2, maxPoll)
          }
          try {
            return await task({ name, token })
          } finally {
            // Best effort: a release that fails leaves the lock to expire.
            await link.send(['EVAL', DELETE_IF_EQUAL, '1', lock, token], 'unlock').catch(() => {})
          }
        },
        signal ? { signal } : undefined,
      )
    },
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal))
    const onAbort = () => {
      clearTimeout(timer)
      reject(abortError(signal))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
