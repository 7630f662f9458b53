import type { Channel } from 'node:diagnostics_channel'
import type { SessionEvent } from '@oauthkit/core'

// Loaded through `process.getBuiltinModule`, not imported: this module is part of the entry that
// edge runtimes load, and workerd without `nodejs_compat` has no `node:*` module to resolve. There
// the channels are inert stand-ins: nothing subscribes, nothing is published.
function create(name: string): Channel {
  const diagnostics = globalThis.process?.getBuiltinModule?.('node:diagnostics_channel')
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

// Each channel is made on first use and kept, not at import: loading node:diagnostics_channel and
// making four channels was a tenth of @oauthkit/node's own import time (bench/import-time.mjs).
const channels = new Map<string, Channel>()
function channel(name: string): Channel {
  let made = channels.get(name)
  if (!made) {
    made = create(name)
    channels.set(name, made)
  }
  return made
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
 *   shared lock) before a request, a save, an end, or a session's re-check of a pending ID Token.
 * - `oauthkit:store-fallback` — `{ kind, operation }`: the store failed; this process's memory
 *   was used instead.
 */
export const diagnosticsChannels: {
  readonly tokenRequest: Channel
  readonly cache: Channel
  readonly lockWait: Channel
  readonly storeFallback: Channel
} = {
  get tokenRequest() {
    return channel('oauthkit:token-request')
  },
  get cache() {
    return channel('oauthkit:cache')
  },
  get lockWait() {
    return channel('oauthkit:lock-wait')
  },
  get storeFallback() {
    return channel('oauthkit:store-fallback')
  },
}

const byType = {
  request: 'oauthkit:token-request',
  cache: 'oauthkit:cache',
  'lock-wait': 'oauthkit:lock-wait',
  'store-fallback': 'oauthkit:store-fallback',
} satisfies Record<SessionEvent['type'], string>

/** The engine's `onEvent` for `kind`: publishes each event, without its key, on its channel. */
export function publishSessionEvents(
  kind: 'client-credentials' | 'session',
): (event: SessionEvent) => void {
  return ({ type, key: _, ...details }) => {
    const target = channel(byType[type])
    if (target.hasSubscribers) target.publish({ kind, ...details })
  }
}
