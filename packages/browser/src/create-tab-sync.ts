import type { SessionEvent } from './browser-client.js'

/** Tells the other tabs of the origin about session changes: see {@link createTabSync}. */
export interface TabSync {
  /** Tells the other tabs that this one changed the session. */
  post(type: SessionEvent['type']): void
  /** Stops listening. */
  close(): void
}

/**
 * Opens the `BroadcastChannel` `name`, over which the tabs of one client tell each other about
 * logins, refreshes and logouts, and hands every message to `receive` with the time it was sent
 * (epoch ms). Messages are stamped, so that a tab frozen for a while that delivers a logout late
 * cannot end a session that began after it. Without `BroadcastChannel`, tabs learn of changes
 * only from the store, when they next read it.
 *
 * @param Channel - The `BroadcastChannel` constructor; a fake one in tests.
 */
export function createTabSync(
  name: string,
  receive: (type: SessionEvent['type'], at: number) => void,
  Channel: typeof BroadcastChannel | undefined = globalThis.BroadcastChannel,
): TabSync {
  if (typeof Channel !== 'function') return { post() {}, close() {} }
  const channel = new Channel(name)
  // Server-side (Node has BroadcastChannel too) an open channel must not keep the process alive.
  ;(channel as { unref?: () => void }).unref?.()
  channel.onmessage = ({ data }: MessageEvent) => {
    // [type, time]; a bare type comes from a tab still running an older version.
    const [type, at] = Array.isArray(data) ? data : [data, Date.now()]
    if (type === 'login' || type === 'refresh' || type === 'logout') receive(type, Number(at))
  }
  return {
    post: (type) => channel.postMessage([type, Date.now()]),
    close: () => channel.close(),
  }
}
