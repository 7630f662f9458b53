/**
 * Runs `task` for `key` unless a run for the same key is in flight, and waits for it, or until
 * `signal` aborts: then this caller alone stops waiting, with `onAbort(signal)`'s error.
 */
export type SharedFlight<K, V> = (
  key: K,
  task: (signal: AbortSignal) => Promise<V>,
  signal?: AbortSignal,
) => Promise<V>

interface Flight<V> {
  promise: Promise<V>
  controller: AbortController
  /** Callers still waiting; `Infinity` once one without a signal joined. */
  waiting: number
}

/**
 * A single-flight group whose callers share the work but not their signals: the task gets a
 * signal of its own, which aborts only when every caller has left through its own signal (a
 * caller without a signal never leaves). One caller's Ctrl-C therefore never cancels another
 * caller's refresh, and the last one to leave does not leave work running for nobody. A
 * rejection reaches every waiter and is not cached. Internal.
 */
export function createSharedFlight<K, V>(
  onAbort: (signal: AbortSignal) => Error,
): SharedFlight<K, V> {
  const flights = new Map<K, Flight<V>>()
  return (key, task, signal) => {
    if (signal?.aborted) return Promise.reject(onAbort(signal))
    let flight = flights.get(key)
    if (!flight) {
      const controller = new AbortController()
      // The task starts on a microtask, after the flight is registered.
      const promise = Promise.resolve().then(() => task(controller.signal))
      const created: Flight<V> = { promise, controller, waiting: 0 }
      const forget = () => {
        if (flights.get(key) === created) flights.delete(key)
      }
      // Also marks the rejection handled when every caller has already left.
      promise.then(forget, forget)
      flights.set(key, created)
      flight = created
    }
    if (!signal) {
      flight.waiting = Number.POSITIVE_INFINITY
      return flight.promise
    }
    const joined = flight
    joined.waiting++
    return new Promise<V>((resolve, reject) => {
      const leave = () => {
        reject(onAbort(signal))
        if (--joined.waiting === 0) {
          // Nobody waits any more: stop the work, and let the next caller start afresh.
          if (flights.get(key) === joined) flights.delete(key)
          joined.controller.abort(signal.reason)
        }
      }
      signal.addEventListener('abort', leave, { once: true })
      joined.promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', leave))
    })
  }
}
