import { assertStore, invalidArgument } from './assert.js'
import type { SessionEngineOptions, SessionEvent } from './session-engine.js'
import { asOAuthKitError } from './to-oauthkit-error.js'

/**
 * Options for `createSessionEngine` that tell `onEvent` what the engine does, for metrics and
 * tracing: cache hits and misses, token requests (refreshes, RFC 6749 §6, or any other grant)
 * with their outcome and duration, lock waits (the serialised refresh of RFC 9700 §4.14.2: a
 * renewal, a save, an end, a pending ID Token's check), store failures worked around (durations
 * in milliseconds, from `performance.now()`). It wraps the seams of `options` (store, lock,
 * request) and adds an `onCache` hook, so the engine itself carries no timing code: an app that
 * traces nothing (a browser) does not bundle it. A throwing `onEvent` is ignored: metrics must
 * not break a session.
 *
 * @throws `TypeError` `ERR_INVALID_ARG_TYPE` when `onEvent` is not a function or `options` lacks
 *   its store, lock or request: at once, not at the engine's first call.
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
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object')
  assertStore(options.store, 'options.store')
  if (typeof options.lock?.run !== 'function') {
    throw invalidArgument('options.lock', 'a SessionLock (with run)')
  }
  if (typeof options.request !== 'function') throw invalidArgument('options.request', 'a function')
  if (typeof onEvent !== 'function') throw invalidArgument('onEvent', 'a function')
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
