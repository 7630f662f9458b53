/** Runs `task` for `key` unless a run for the same key is already in flight. */
export type SingleFlight<K, V> = (key: K, task: () => Promise<V>) => Promise<V>

/**
 * Creates a single-flight group: concurrent callers with the same key share one promise.
 * A rejection reaches every waiter and is not cached; the next call after settlement runs the
 * task again.
 *
 * @example
 * ```ts
 * const once = createSingleFlight<string, TokenSet>()
 * const [a, b] = await Promise.all([once('k', fetchToken), once('k', fetchToken)]) // one fetch
 * ```
 */
export function createSingleFlight<K, V>(): SingleFlight<K, V> {
  const inFlight = new Map<K, Promise<V>>()
  return (key, task) => {
    const running = inFlight.get(key)
    if (running) return running
    // The task starts on a microtask, after the promise is registered, so even a task that
    // throws synchronously is shared and then forgotten.
    const promise: Promise<V> = Promise.resolve()
      .then(task)
      .finally(() => {
        if (inFlight.get(key) === promise) inFlight.delete(key)
      })
    inFlight.set(key, promise)
    return promise
  }
}
