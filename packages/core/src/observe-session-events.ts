import { asOAuthKitError, type SessionEngineOptions, type SessionEvent } from './session-engine.js'

/**
 * Options for `createSessionEngine` that tell `onEvent` what the engine does, for metrics and
 * tracing: cache hits and misses, token requests with their outcome and duration, lock waits,
 * store failures worked around (durations in milliseconds, from `performance.now()`). It wraps
 * the seams of `options` (store, lock, request) and adds an `onCache` hook, so the engine itself
 * carries no timing code: an app that traces nothing (a browser) does not bundle it. A throwing
 * `onEvent` is ignored: metrics must not break a session.
 *
 * @example
 * ```ts
 * createSessionEngine(observeSessionEvents({ store, lock, request }, console.log))
 * ```
 */
export function observeSessionEvents(
  options: SessionEngineOptions,
  onEvent: (event: SessionEvent) => void,
): SessionEngineOptions {
  const emit = (event: SessionEvent): void => {
    try {
      onEvent(event)
    } catch {
      // Metrics must not break the session.
    }
  }
  const { store, lock, request, onCache } = options
  // The engine works around every store failure with its memory: each one is a fallback.
  const observed =
    <A extends unknown[], R>(operation: 'read' | 'write' | 'delete', call: (...args: A) => R) =>
    async (...args: A): Promise<Awaited<R>> => {
      try {
        return await call(...args)
      } catch (cause) {
        emit({ type: 'store-fallback', key: args[0] as string, operation })
        throw cause
      }
    }
  return {
    ...options,
    store: {
      get: observed('read', (key: string) => store.get(key)),
      set: observed('write', store.set.bind(store)),
      delete: observed('delete', store.delete.bind(store)),
    },
    lock: {
      run(key, task, lockOptions) {
        const asked = performance.now()
        return lock.run(
          key,
          (held) => {
            emit({ type: 'lock-wait', key, duration: performance.now() - asked })
            return task(held)
          },
          lockOptions,
        )
      },
    },
    async request(current, key) {
      const started = performance.now()
      const requested = (outcome: 'success' | 'error', code?: string): void =>
        emit({
          type: 'request',
          key,
          renewal: current !== undefined,
          outcome,
          duration: performance.now() - started,
          ...(code ? { code } : {}),
        })
      try {
        const grant = await request(current, key)
        requested('success')
        return grant
      } catch (err) {
        requested('error', asOAuthKitError(err).code)
        throw err
      }
    },
    onCache(key, hit) {
      emit({ type: 'cache', key, hit })
      onCache?.(key, hit)
    },
  }
}
