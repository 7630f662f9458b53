import type { Channel } from 'node:diagnostics_channel'
import type { SessionEvent } from '@oauthkit/core'

// Loaded through `process.getBuiltinModule`, not imported: this module is part of the entry that
// edge runtimes load, and workerd without `nodejs_compat` has no `node:*` module to resolve. There
// the channels are inert stand-ins: nothing subscribes, nothing is published.
const diagnostics = globalThis.process?.getBuiltinModule?.('node:diagnostics_channel')
function channel(name: string): Channel {
  if (diagnostics) return diagnostics.channel(name)
  const inert = {
    name,
    hasSubscribers: false,
    publish() {},
    subscribe() {},
    unsubscribe: () => false,
  }
  return inert as unknown as Channel
}

/**
 * The `node:diagnostics_channel` channels of `@oauthkit/node` (the convention of undici and Node
 * itself): subscribe to turn them into metrics or traces. Nothing is built or published while no
 * one subscribes. Every message has `kind`: `'client-credentials'` (the token cache) or
 * `'session'` (server-side sessions); durations are milliseconds. Messages never carry a token,
 * a session id or a cache key.
 *
 * - `oauthkit:token-request` — `{ kind, renewal, outcome: 'success' | 'error', duration, code? }`
 * - `oauthkit:cache` — `{ kind, hit }`: a read answered from the store (`hit`), or that waited for
 *   a token request.
 * - `oauthkit:lock-wait` — `{ kind, duration }`: the wait for the lock (across processes with a
 *   shared lock) before a request, a save or an end.
 * - `oauthkit:store-fallback` — `{ kind, operation }`: the store failed; this process's memory
 *   was used instead.
 */
export const diagnosticsChannels: {
  readonly tokenRequest: Channel
  readonly cache: Channel
  readonly lockWait: Channel
  readonly storeFallback: Channel
} = {
  tokenRequest: channel('oauthkit:token-request'),
  cache: channel('oauthkit:cache'),
  lockWait: channel('oauthkit:lock-wait'),
  storeFallback: channel('oauthkit:store-fallback'),
}

const byType = {
  request: diagnosticsChannels.tokenRequest,
  cache: diagnosticsChannels.cache,
  'lock-wait': diagnosticsChannels.lockWait,
  'store-fallback': diagnosticsChannels.storeFallback,
} satisfies Record<SessionEvent['type'], Channel>

/** The engine's `onEvent` for `kind`: publishes each event, without its key, on its channel. */
export function publishSessionEvents(
  kind: 'client-credentials' | 'session',
): (event: SessionEvent) => void {
  return ({ type, key: _, ...details }) => {
    const target = byType[type]
    if (target.hasSubscribers) target.publish({ kind, ...details })
  }
}
