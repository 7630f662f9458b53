import {
  createMemorySessionStore,
  createProcessLock,
  createSessionEngine,
  type Session,
  type SessionStore,
  type SessionWriteOptions,
  withSessionTtl,
} from '@oauthkit/core'
import { describe, expect, it } from 'vitest'

const NOW = 1_700_000_000_000

// A store that records the options of each write.
function recording() {
  const writes: (SessionWriteOptions | undefined)[] = []
  const inner = createMemorySessionStore()
  const store: SessionStore = {
    get: (key) => inner.get(key),
    set: (key, value, options) => {
      writes.push(options)
      return inner.set(key, value, options)
    },
    delete: (key) => inner.delete(key),
  }
  return { store, writes }
}

const session = (tokenSet: Partial<Session['tokenSet']>): Session => ({
  tokenSet: { accessToken: 'at', tokenType: 'Bearer', ...tokenSet },
})

describe('withSessionTtl', () => {
  it('keeps a session without a refresh token as long as its access token, rounded up', async () => {
    const { store, writes } = recording()
    await withSessionTtl(store, { defaultTtl: 300, now: () => NOW }).set(
      'k',
      session({ expiresAt: NOW / 1000 + 90.2 }),
    )
    // Expired already: kept one second, never forever.
    await withSessionTtl(store, { now: () => NOW }).set('k', session({ expiresAt: NOW / 1000 - 5 }))
    expect(writes).toEqual([{ ttl: 91 }, { ttl: 1 }])
  })

  it('keeps a refreshable session, or one of unknown lifetime, for defaultTtl, or until deleted', async () => {
    const { store, writes } = recording()
    const refreshable = session({ expiresAt: NOW / 1000 + 60, refreshToken: 'rt' })
    await withSessionTtl(store, { defaultTtl: 300, now: () => NOW }).set('k', refreshable)
    await withSessionTtl(store, { defaultTtl: 300 }).set('k', session({}))
    await withSessionTtl(store).set('k', refreshable)
    expect(writes).toEqual([{ ttl: 300 }, { ttl: 300 }, undefined])
  })

  it("keeps the engine's lock on its writes: a fenced store still sees the holder", async () => {
    const { store, writes } = recording()
    const engine = createSessionEngine({
      store: withSessionTtl(store, { defaultTtl: 300 }),
      lock: createProcessLock(),
      request: async () => ({ tokenSet: session({}).tokenSet }),
    })
    await engine.save('k', session({ refreshToken: 'rt' }))
    expect(writes).toEqual([{ lock: { name: 'k' }, ttl: 300 }])
    expect((await engine.get('k')).tokenSet.refreshToken).toBe('rt')
  })

  it('refuses a bad store or defaultTtl when wrapping, naming the parameter and not the value', () => {
    const store = createMemorySessionStore()
    const cases: [() => unknown, string, string][] = [
      [() => withSessionTtl(undefined as never), 'ERR_INVALID_ARG_TYPE', '"store"'],
      [() => withSessionTtl({ get() {} } as never), 'ERR_INVALID_ARG_TYPE', '"store"'],
      [() => withSessionTtl(store, null as never), 'ERR_INVALID_ARG_TYPE', '"options"'],
      [
        () => withSessionTtl(store, { defaultTtl: '300' as never }),
        'ERR_INVALID_ARG_TYPE',
        '"options.defaultTtl"',
      ],
      [() => withSessionTtl(store, { now: 0 as never }), 'ERR_INVALID_ARG_TYPE', '"options.now"'],
    ]
    for (const defaultTtl of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
      cases.push([
        () => withSessionTtl(store, { defaultTtl }),
        'ERR_INVALID_ARG_VALUE',
        '"options.defaultTtl"',
      ])
    }
    for (const [wrap, code, name] of cases) {
      expect(wrap).toThrow(
        expect.objectContaining({
          name: 'TypeError',
          code,
          message: expect.stringContaining(name),
        }),
      )
    }
  })
})
