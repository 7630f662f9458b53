import { abortError, raceSignal } from './race-signal.js'
import type { HeldLock, SessionLock } from './session-engine.js'

/**
 * A {@link SessionLock} for one process (or one tab): tasks under the same name run one after
 * the other, in the order they asked. Enough where the store is this process's own; a store that
 * several processes share needs their lock too (a lock file, Web Locks, Redis).
 */
export function createProcessLock(): SessionLock {
  const tails = new Map<string, Promise<unknown>>()
  return {
    run(name, task, options) {
      const before = tails.get(name) ?? Promise.resolve()
      const held: HeldLock = { name }
      const turn = before.then(
        () => undefined,
        () => undefined,
      )
      const signal = options?.signal
      // A waiter that gave up is skipped when its turn comes.
      const result = turn.then(() =>
        signal?.aborted ? Promise.reject(abortError(signal)) : task(held),
      )
      const tail = result.then(
        () => undefined,
        () => undefined,
      )
      tails.set(name, tail)
      void tail.then(() => {
        if (tails.get(name) === tail) tails.delete(name)
      })
      // Only the wait is given up: a task that started runs to its end.
      return raceSignal(result, signal)
    },
  }
}
