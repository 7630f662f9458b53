// The seams create-browser-client.ts is wired from, each on its own with a fake lock or channel.
import type { SessionLock } from '@oauthkit/core'
import { afterEach, describe, expect, it } from 'vitest'
import { createDPoPKeys } from '../src/create-dpop-keys.js'
import { createPendingLogins } from '../src/create-pending-logins.js'
import { createTabSync } from '../src/create-tab-sync.js'
import { dpop } from '../src/dpop.js'
import {
  createBrowserClient,
  createMemoryStore,
  createWebLock,
  toSessionStore,
} from '../src/index.js'
import { installFakeLockManager } from './helpers/fake-lock-manager.js'

let uninstall = (): void => {}
afterEach(() => {
  uninstall()
  uninstall = () => {}
})

/** An exclusive lock that records who asked for it. */
function fakeLock(): SessionLock & { names: string[] } {
  const tails = new Map<string, Promise<unknown>>()
  const names: string[] = []
  return {
    names,
    run(name, task) {
      names.push(name)
      const run = (tails.get(name) ?? Promise.resolve()).then(() => task({ name }))
      tails.set(
        name,
        run.catch(() => {}),
      )
      return run
    },
  }
}

/** A BroadcastChannel stand-in: channels of one name deliver to each other, never to themselves. */
function fakeChannels() {
  const open = new Set<FakeChannel>()
  class FakeChannel {
    onmessage: ((event: { data: unknown }) => void) | null = null
    readonly name: string
    constructor(name: string) {
      this.name = name
      open.add(this)
    }
    postMessage(data: unknown) {
      for (const other of open) {
        if (other !== this && other.name === this.name) other.onmessage?.({ data })
      }
    }
    close() {
      open.delete(this)
    }
  }
  return FakeChannel as unknown as typeof BroadcastChannel
}

describe('createWebLock', () => {
  it('runs tasks one at a time per name under the Web Lock "oauthkit <name>"', async () => {
    uninstall = installFakeLockManager()
    const names: string[] = []
    const { request } = navigator.locks
    Object.assign(navigator.locks, {
      request: (name: string, ...rest: never[]) => {
        names.push(name)
        return (request as (...args: unknown[]) => Promise<unknown>)(name, ...rest)
      },
    })
    const lock = createWebLock()
    const order: string[] = []
    const task = (id: string) => async () => {
      order.push(`${id} in`)
      await new Promise((resolve) => setTimeout(resolve, 5))
      order.push(`${id} out`)
      return id
    }
    expect(await Promise.all([lock.run('k', task('a')), lock.run('k', task('b'))])).toEqual([
      'a',
      'b',
    ])
    expect(order).toEqual(['a in', 'a out', 'b in', 'b out'])
    expect(names).toEqual(['oauthkit k', 'oauthkit k'])
  })

  it('gives up waiting when the signal aborts, and never runs the task', async () => {
    uninstall = installFakeLockManager()
    const lock = createWebLock()
    let release = (): void => {}
    const holding = lock.run('k', () => new Promise<void>((resolve) => (release = resolve)))
    let ran = false
    const waiting = lock.run(
      'k',
      async () => {
        ran = true
      },
      { signal: AbortSignal.timeout(10) },
    )
    await expect(waiting).rejects.toMatchObject({ name: 'TimeoutError' })
    release()
    await holding
    expect(ran).toBe(false)
  })

  it('runs the task at once without the Web Locks API', async () => {
    expect(globalThis.navigator?.locks ?? undefined).toBeUndefined()
    expect(await createWebLock().run('k', async (held) => held.name)).toBe('k')
  })
})

describe('toSessionStore', () => {
  it('reads a value that is not a session as none', async () => {
    const store = createMemoryStore()
    await store.set('k', { something: 'else' })
    expect(await toSessionStore(store).get('k')).toBeUndefined()
    const session = { tokenSet: { accessToken: 'at', tokenType: 'Bearer' } }
    await toSessionStore(store).set('k', session)
    expect(await toSessionStore(store).get('k')).toEqual(session)
  })
})

describe('createDPoPKeys', () => {
  it('two tabs asking at once get the same key pair, created once under the session lock', async () => {
    const store = createMemoryStore()
    const lock = fakeLock()
    const [first, second] = [1, 2].map(() => createDPoPKeys(dpop(), store, 'dpop', lock, 'session'))
    const handles = await Promise.all([first?.handle(), second?.handle()])
    const thumbprints = await Promise.all(handles.map((handle) => handle?.calculateThumbprint()))
    expect(thumbprints[0]).toBe(thumbprints[1])
    expect(lock.names).toEqual(['session', 'session'])
  })

  it('does not take the lock again for a caller that holds it', async () => {
    const lock = fakeLock()
    const keys = createDPoPKeys(dpop(), createMemoryStore(), 'dpop', lock, 'session')
    await keys.handle({ name: 'session' })
    expect(lock.names).toEqual([])
  })

  it('retire() deletes the stored key and forgets it; the next one is new', async () => {
    const store = createMemoryStore()
    const keys = createDPoPKeys(dpop(), store, 'dpop', fakeLock(), 'session')
    const before = await (await keys.handle())?.calculateThumbprint()
    await keys.retire()
    expect(await store.get('dpop')).toBeUndefined()
    expect(await (await keys.handle())?.calculateThumbprint()).not.toBe(before)
  })

  it('is made by the dpop() extension: logout deletes the key with it, and touches none without it', async () => {
    const entry = 'https://as.example spa dpop'
    const logout = async (options: { dpop?: ReturnType<typeof dpop> }) => {
      const store = createMemoryStore()
      await store.set(entry, 'kept')
      const auth = createBrowserClient({
        issuer: 'https://as.example',
        clientId: 'spa',
        redirectUri: 'https://app.example/callback',
        scope: 'openid',
        store,
        fetch: async () => new Response(null, { status: 503 }),
        navigate: () => {},
        ...options,
      })
      await auth.logout()
      auth.close()
      return store.get(entry)
    }
    expect(await logout({})).toBe('kept')
    expect(await logout({ dpop: dpop() })).toBeUndefined()
  })
})

describe('createTabSync', () => {
  it('delivers [type, time] to the other tabs, and a bare type from an older version', () => {
    const Channel = fakeChannels()
    const heard: [string, number][] = []
    const first = createTabSync('c', () => {}, Channel)
    createTabSync('c', (type, at) => heard.push([type, at]), Channel)
    first.post('refresh')
    expect(heard).toEqual([['refresh', expect.any(Number)]])
    new Channel('c').postMessage('logout')
    new Channel('c').postMessage(['nonsense', 1])
    expect(heard.map(([type]) => type)).toEqual(['refresh', 'logout'])
  })

  it('hears nothing once closed, and is a no-op without BroadcastChannel', () => {
    const Channel = fakeChannels()
    const heard: string[] = []
    createTabSync('c', (type) => heard.push(type), Channel).close()
    createTabSync('c', () => {}, Channel).post('login')
    expect(heard).toEqual([])
    const none = createTabSync('c', () => heard.push('x'), undefined as never)
    none.post('login')
    none.close()
    expect(heard).toEqual([])
  })
})

describe('createPendingLogins', () => {
  it('changes the pending logins under the lock, dropping those older than an hour', async () => {
    const store = createMemoryStore()
    const lock = fakeLock()
    const pending = createPendingLogins(store, 'pending', lock)
    const login = (createdAt: number) =>
      ({ state: 's', codeVerifier: 'v', nonce: 'n', createdAt }) as never
    await store.set('pending', { old: login(Date.now() - 3_600_001), fresh: login(Date.now()) })
    expect(await pending.update((all) => Object.keys(all))).toEqual(['fresh'])
    expect(Object.keys((await store.get('pending')) as object)).toEqual(['fresh'])
    expect(lock.names).toEqual(['pending'])
  })
})
