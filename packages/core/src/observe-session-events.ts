import type { SessionEvent, SessionObserver } from './session-engine.js'

/**
 * The session engine's observer that tells `onEvent` what the engine did, for metrics and
 * tracing: cache hits and misses, token requests with their outcome and duration, lock waits,
 * store failures worked around (durations in milliseconds, from `performance.now()`). Pass it as
 * `observer` to `createSessionEngine`; an engine given none carries no timing code. A throwing
 * `onEvent` is ignored: metrics must not break a session.
 *
 * @example
 * ```ts
 * createSessionEngine({ store, lock, request, observer: observeSessionEvents(console.log) })
 * ```
 */
export function observeSessionEvents(onEvent: (event: SessionEvent) => void): SessionObserver {
  const emit = (event: SessionEvent): void => {
    try {
      onEvent(event)
    } catch {
      // Metrics must not break the session.
    }
  }
  const since = (started: number): number => performance.now() - started
  return {
    cache: (key, hit) => emit({ type: 'cache', key, hit }),
    lockWait(key) {
      const asked = performance.now()
      return () => emit({ type: 'lock-wait', key, duration: since(asked) })
    },
    request(key, renewal) {
      const started = performance.now()
      return (code) =>
        emit({
          type: 'request',
          key,
          renewal,
          outcome: code === undefined ? 'success' : 'error',
          duration: since(started),
          ...(code === undefined ? {} : { code }),
        })
    },
    storeFallback: (key, operation) => emit({ type: 'store-fallback', key, operation }),
  }
}
