import {
  createMemorySessionStore,
  createProcessLock,
  createSessionEngine,
  OAuthKitError,
  observeSessionEvents,
  type SessionEvent,
  type SessionStore,
} from '@oauthkit/core'
import { describe, expect, it } from 'vitest'

const tokenSet = (n: number, lifetime = 300) => {
  const receivedAt = Math.floor(Date.now() / 1000)
  return {
    accessToken: `at-${n}`,
    tokenType: 'Bearer',
    receivedAt,
    expiresAt: receivedAt + lifetime,
  }
}

describe('session engine observer: observeSessionEvents', () => {
  it('tells misses, lock waits, requests with outcome and duration, and hits', async () => {
    const events: SessionEvent[] = []
    let n = 0
    const engine = createSessionEngine(
      observeSessionEvents(
        {
          store: createMemorySessionStore(),
          lock: createProcessLock(),
          requestWithoutSession: true,
          request: async () => ({ tokenSet: tokenSet(++n) }),
        },
        (event) => events.push(event),
      ),
    )
    await engine.get('k')
    await engine.get('k')
    expect(events).toEqual([
      { type: 'cache', key: 'k', hit: false },
      { type: 'lock-wait', key: 'k', duration: expect.any(Number) },
      {
        type: 'request',
        key: 'k',
        renewal: false,
        outcome: 'success',
        duration: expect.any(Number),
      },
      { type: 'cache', key: 'k', hit: true },
    ])
  })

  it('tells a failed renewal with its code, and a store fallback; a throwing hook changes nothing', async () => {
    const events: SessionEvent[] = []
    const failing: SessionStore = {
      get: () => Promise.reject(new Error('down')),
      set: () => Promise.reject(new Error('down')),
      delete: () => Promise.reject(new Error('down')),
    }
    let fail = false
    const engine = createSessionEngine(
      observeSessionEvents(
        {
          store: failing,
          lock: createProcessLock(),
          requestWithoutSession: true,
          request: async () => {
            if (fail) throw new OAuthKitError('no', { code: 'ERR_NETWORK' })
            return { tokenSet: tokenSet(1, 1) }
          },
        },
        (event) => {
          events.push(event)
          throw new Error('a broken metrics hook')
        },
      ),
    )
    expect((await engine.get('k')).tokenSet.accessToken).toBe('at-1')
    fail = true
    await expect(engine.get('k', { forceRefresh: true })).rejects.toMatchObject({
      code: 'ERR_NETWORK',
    })
    expect(events).toContainEqual({ type: 'store-fallback', key: 'k', operation: 'read' })
    expect(events).toContainEqual({ type: 'store-fallback', key: 'k', operation: 'write' })
    expect(events).toContainEqual({
      type: 'request',
      key: 'k',
      renewal: true,
      outcome: 'error',
      code: 'ERR_NETWORK',
      duration: expect.any(Number),
    })
  })

  it('refuses a non-function onEvent or options without the seams, naming the parameter', () => {
    const options = {
      store: createMemorySessionStore(),
      lock: createProcessLock(),
      request: async () => ({ tokenSet: tokenSet(1) }),
    }
    const cases: [unknown, unknown, string][] = [
      [options, undefined, '"onEvent"'],
      [options, 'console.log', '"onEvent"'],
      [undefined, () => {}, '"options"'],
      [{ ...options, store: undefined }, () => {}, '"options.store"'],
      [{ ...options, lock: {} }, () => {}, '"options.lock"'],
      [{ ...options, request: undefined }, () => {}, '"options.request"'],
    ]
    for (const [given, onEvent, name] of cases) {
      expect(() => observeSessionEvents(given as never, onEvent as never)).toThrow(
        expect.objectContaining({
          name: 'TypeError',
          code: 'ERR_INVALID_ARG_TYPE',
          message: expect.stringContaining(name),
        }),
      )
    }
  })
})
