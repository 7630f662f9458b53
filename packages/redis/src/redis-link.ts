import { OAuthKitError } from '@oauthkit/core'
import type { RedisCommand } from './redis-command.js'
import { publish, redisChannels } from './redis-diagnostics.js'

/** Options of {@link createRedisLink}. Durations in milliseconds. */
export interface RedisLinkOptions {
  /** Each command fails after this long. */
  timeout: number
  /** After a failure, commands fail at once for this long before Redis is tried again. */
  retryAfter: number
  /** Told once when Redis becomes unreachable. */
  onError?: ((error: OAuthKitError) => void) | undefined
  /** The clock. */
  now: () => number
}

/** Redis commands with a deadline, and a breaker that fails fast while Redis is out of reach. */
export interface RedisLink {
  /** Runs `args`; rejects with `ERR_STORE_UNAVAILABLE` or `ERR_TIMEOUT` when Redis is out of reach. */
  send(args: string[], operation: string): Promise<unknown>
  /** Whether commands are being sent (the breaker is closed). */
  available(): boolean
}

/**
 * Wraps `command` so that no caller ever waits long for Redis: each command has `timeout`; a
 * client that is not connected fails at once; after a failure every command fails at once for
 * `retryAfter`, then one is let through to see whether Redis is back. Errors Redis itself
 * returned (a script error) leave the breaker closed: Redis is up.
 */
export function createRedisLink(command: RedisCommand, options: RedisLinkOptions): RedisLink {
  const { timeout, retryAfter, now } = options
  let downSince: number | undefined
  let retryAt = 0

  const failed = (operation: string, error: OAuthKitError): OAuthKitError => {
    retryAt = now() + retryAfter
    if (downSince === undefined) {
      downSince = now()
      publish(redisChannels.unavailable, { operation, code: error.code })
      try {
        options.onError?.(error)
      } catch {
        // The hook's failure is its own.
      }
    }
    return error
  }

  return {
    available: () => downSince === undefined || now() >= retryAt,
    async send(args, operation) {
      if (downSince !== undefined && now() < retryAt) {
        throw unavailable(`redis is out of reach (${operation} not sent)`)
      }
      if (!command.ready())
        throw failed(operation, unavailable(`redis is not connected (${operation})`))
      let timer: ReturnType<typeof setTimeout> | undefined
      const deadline = new Promise<never>((_, reject) => {
        // The deadline is checked after the event loop's next I/O poll (setImmediate): when the
        // process itself was busy past the deadline, a reply that has arrived meanwhile wins, so
        // a CPU-starved process does not mistake its own stall for Redis being down.
        timer = setTimeout(
          () =>
            setImmediate(() =>
              reject(new OAuthKitError(`redis ${operation} timed out`, { code: 'ERR_TIMEOUT' })),
            ),
          timeout,
        )
      })
      try {
        const reply = await Promise.race([command.send(args), deadline])
        if (downSince !== undefined) {
          publish(redisChannels.recovered, { downFor: now() - downSince })
          downSince = undefined
        }
        return reply
      } catch (err) {
        if (err instanceof OAuthKitError) throw failed(operation, err)
        // The libraries attach the command's arguments (values: tokens) to their errors: only
        // the message is kept.
        const cause = new Error(String((err as Error | undefined)?.message ?? err))
        const replied = /ReplyError|ErrorReply/.test(String((err as Error | undefined)?.name))
        const error = new OAuthKitError(`redis ${operation} failed`, {
          code: 'ERR_STORE_UNAVAILABLE',
          cause,
        })
        throw replied ? error : failed(operation, error)
      } finally {
        clearTimeout(timer)
      }
    },
  }
}

function unavailable(message: string): OAuthKitError {
  return new OAuthKitError(message, { code: 'ERR_STORE_UNAVAILABLE' })
}
