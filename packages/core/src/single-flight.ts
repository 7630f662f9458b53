import { raceSignal } from './race-signal.js'

/**
 * Runs `task` for `key` unless a run for the same key is already in flight, and waits for it, or
 * until `signal` aborts: then this caller alone stops waiting (`ERR_ABORTED` / `ERR_TIMEOUT`).
 */
export type SingleFlight<K, V> = (
  key: K,
  task: () => Promise<V>,
  signal?: AbortSignal,
) => Promise<V>

/**
 * Creates a single-flight group: concurrent callers with the same key share one run. The task
 * never sees a caller's signal: a request that was sent is finished, and its result handled,
 * however many callers stopped waiting (a rotated refresh token in its answer must be saved, not
 * dropped: RFC 9700 §4.14.2). A rejection reaches every waiter and is not cached; the next call
 * after settlement runs the task again.
 *
 * @example
 * ```ts
 * const once = createSingleFlight<string, TokenSet>()
 * const [a, b] = await Promise.all([once('k', fetchToken), once('k', fetchToken)]) // one fetch
 * ```
 */
export function createSingleFlight<K, V>(): SingleFlight<K, V> {
  const inFlight = new Map<K, Promise<V>>()
  return (key, task, signal) => {
    let running = inFlight.get(key)
    if (!running) {
      // The task starts on a microtask, after the promise is registered, so even a task that
      // throws synchronously is shared and then forgotten.
      const promise: Promise<V> = Promise.resolve()
        .then(task)
        .finally(() => {
          if (inFlight.get(key) === promise) inFlight.delete(key)
        })
      // Handled here too: every caller may have left before it settles.
      promise.catch(() => {})
      inFlight.set(key, promise)
      running = promise
    }
    return raceSignal(running, signal)
  }
}
