import { type Channel, channel } from 'node:diagnostics_channel'

/**
 * The `node:diagnostics_channel` channels of `@oauthkit/redis`. Nothing is published, and nothing
 * costs, while no one subscribes.
 *
 * - `oauthkit:redis:unavailable` — Redis stopped answering (`{ operation, code }`): from now on
 *   every process falls back to its own memory and in-process lock until it answers again.
 * - `oauthkit:redis:recovered` — Redis answers again (`{ downFor }`, milliseconds).
 * - `oauthkit:redis:lock-fallback` — a lock was taken in this process only, Redis being out of
 *   reach (`{ code }`).
 * - `oauthkit:redis:invalid-value` — a stored value could not be read and was dropped
 *   (`{ reason }`); the token is requested again.
 */
export const redisChannels: {
  readonly unavailable: Channel
  readonly recovered: Channel
  readonly lockFallback: Channel
  readonly invalidValue: Channel
} = {
  unavailable: channel('oauthkit:redis:unavailable'),
  recovered: channel('oauthkit:redis:recovered'),
  lockFallback: channel('oauthkit:redis:lock-fallback'),
  invalidValue: channel('oauthkit:redis:invalid-value'),
}

/** Publishes `message` on `target` when anyone listens. */
export function publish(target: Channel, message: object): void {
  if (target.hasSubscribers) target.publish(message)
}
