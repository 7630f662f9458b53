import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { dpop } from '../src/dpop.js'
import {
  type BrowserClient,
  createBrowserClient,
  createIndexedDbStore,
  type SessionEvent,
} from '../src/index.js'
import { createFakeAuthorizationServer } from './helpers/fake-authorization-server.js'
import { installFakeLockManager } from './helpers/fake-lock-manager.js'
import { REDIRECT_URI } from './helpers/setup-client.js'

// Each "tab" is a client of its own over one IndexedDB database (fake-indexeddb) and one
// BroadcastChannel name (Node's BroadcastChannel crosses client objects like it crosses tabs).
let uninstall: () => void
const open: BrowserClient[] = []
beforeEach(() => {
  uninstall = installFakeLockManager()
  vi.useFakeTimers({ toFake: ['Date'] })
})
afterEach(() => {
  for (const client of open.splice(0)) client.close()
  uninstall()
  vi.useRealTimers()
})

async function setupTabs(count: number) {
  const server = await createFakeAuthorizationServer()
  const databaseName = `oauthkit-test-${crypto.randomUUID()}`
  const navigations: string[] = []
  const tabs = Array.from({ length: count }, () => {
    const client = createBrowserClient({
      issuer: server.issuer,
      clientId: server.clientId,
      redirectUri: REDIRECT_URI,
      scope: 'openid offline_access',
      fetch: server.fetch,
      store: createIndexedDbStore(databaseName),
      navigate: (url) => navigations.push(url),
    })
    open.push(client)
    return client
  })
  const first = tabs[0] as BrowserClient
  await first.login()
  await first.handleRedirect(server.authorize(navigations.at(-1) ?? ''))
  return { server, tabs, databaseName }
}

describe('across tabs', () => {
  it('a reload keeps the session: a new client reads it from IndexedDB', async () => {
    const { tabs } = await setupTabs(2)
    const [first, second] = tabs as [BrowserClient, BrowserClient]
    expect(await second.getUser()).toMatchObject({ sub: 'user-1' })
    expect(await second.getAccessToken()).toBe(await first.getAccessToken())
  })

  it('three tabs asking at once after expiry cause exactly one refresh, and agree', async () => {
    const { server, tabs } = await setupTabs(3)
    await Promise.all(tabs.map((tab) => tab.getAccessToken())) // every tab has read the session
    vi.setSystemTime(Date.now() + 3_600_000)
    const tokens = await Promise.all(tabs.map((tab) => tab.getAccessToken()))
    expect(server.count('refresh_token')).toBe(1)
    expect(new Set(tokens).size).toBe(1)
  })

  it('without the lock re-reading the store, the rotated refresh token would be spent twice', async () => {
    // The same scenario with the lock manager removed: both tabs refresh with rt-1, the server
    // detects the reuse and revokes the family. This documents what the lock prevents.
    uninstall()
    const { server, tabs } = await setupTabs(2)
    await Promise.all(tabs.map((tab) => tab.getAccessToken()))
    vi.setSystemTime(Date.now() + 3_600_000)
    const results = await Promise.allSettled(tabs.map((tab) => tab.getAccessToken()))
    expect(server.count('refresh_token')).toBe(2)
    expect(results.some((result) => result.status === 'rejected')).toBe(true)
    uninstall = installFakeLockManager()
  })

  it('a refresh that completes after another tab logged out does not bring the session back', async () => {
    const { server, tabs, databaseName } = await setupTabs(2)
    const [first, second] = tabs as [BrowserClient, BrowserClient]
    await Promise.all(tabs.map((tab) => tab.getAccessToken()))
    vi.setSystemTime(Date.now() + 3_600_000)
    let release = (): void => {}
    server.state.hold = new Promise((resolve) => {
      release = resolve
    })
    const refreshing = first.getAccessToken().catch((err: unknown) => err)
    await vi.waitFor(() => expect(server.count('refresh_token')).toBe(1))
    server.state.hold = undefined
    const events: SessionEvent[] = []
    first.subscribe((event) => events.push(event))
    // The logout deletes the session at once, then waits for the refresh holding the lock.
    const loggingOut = second.logout()
    const store = createIndexedDbStore(databaseName)
    await vi.waitFor(async () =>
      expect(await store.get(`${server.issuer} spa session`)).toBeUndefined(),
    )
    release()
    await loggingOut
    expect(await refreshing).toMatchObject({ code: 'ERR_LOGIN_REQUIRED' })
    await vi.waitFor(() => expect(events).toContainEqual({ type: 'logout', fromOtherTab: true }))
    expect(await first.getUser()).toBeUndefined()
    expect(await second.getUser()).toBeUndefined()
    await expect(second.getAccessToken()).rejects.toMatchObject({ code: 'ERR_LOGIN_REQUIRED' })
  })

  it('tells the other tabs of a refresh, and a logout logs out every tab', async () => {
    const { tabs } = await setupTabs(3)
    const [first, second, third] = tabs as [BrowserClient, BrowserClient, BrowserClient]
    const events: SessionEvent[] = []
    second.subscribe((event) => events.push(event))
    third.subscribe((event) => events.push(event))
    await second.getAccessToken()
    await first.getAccessToken({ forceRefresh: true })
    await vi.waitFor(() => expect(events).toHaveLength(2))
    expect(events).toEqual([
      { type: 'refresh', fromOtherTab: true },
      { type: 'refresh', fromOtherTab: true },
    ])
    expect(await second.getAccessToken()).toBe(await first.getAccessToken())

    events.length = 0
    await first.logout()
    await vi.waitFor(() => expect(events).toHaveLength(2))
    expect(events).toEqual([
      { type: 'logout', fromOtherTab: true },
      { type: 'logout', fromOtherTab: true },
    ])
    expect(await second.getUser()).toBeUndefined()
    await expect(third.getAccessToken()).rejects.toMatchObject({ code: 'ERR_LOGIN_REQUIRED' })
  })

  it('a logout heard late clears neither the session nor a login begun after it', async () => {
    const { server, tabs } = await setupTabs(2)
    const [first, second] = tabs as [BrowserClient, BrowserClient]
    const events: SessionEvent[] = []
    second.subscribe((event) => events.push(event))
    const token = await second.getAccessToken()
    // A tab frozen since before this login wakes up and delivers its logout now.
    const frozenTab = new BroadcastChannel(`oauthkit ${server.issuer} ${server.clientId}`)
    frozenTab.postMessage(['logout', Date.now() - 60_000])
    // Nothing to wait on when nothing changes: give the message time to land (the control
    // below shows a logout does land and act within vi.waitFor's time).
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(await first.getAccessToken()).toBe(token)
    expect(await second.getAccessToken()).toBe(token)
    expect(events).toEqual([])
    // Refreshed after the logout is still the same session: a current logout ends it.
    await first.getAccessToken({ forceRefresh: true })
    frozenTab.postMessage(['logout', Date.now()])
    await vi.waitFor(() => expect(events.map((e) => e.type)).toContain('logout'))
    frozenTab.close()
    await expect(second.getAccessToken()).rejects.toMatchObject({ code: 'ERR_LOGIN_REQUIRED' })
    await expect(first.getAccessToken()).rejects.toMatchObject({ code: 'ERR_LOGIN_REQUIRED' })
  })

  it('a bare logout message from a tab on an older version still logs out', async () => {
    const { server, tabs } = await setupTabs(2)
    const [, second] = tabs as [BrowserClient, BrowserClient]
    await second.getAccessToken()
    const oldTab = new BroadcastChannel(`oauthkit ${server.issuer} ${server.clientId}`)
    oldTab.postMessage('logout')
    await vi.waitFor(async () => expect(await second.getUser()).toBeUndefined())
    oldTab.close()
  })
})

describe('across tabs with DPoP', () => {
  it('after a logout and a new login in one tab, another tab signs with the new key', async () => {
    const server = await createFakeAuthorizationServer()
    const databaseName = `oauthkit-test-${crypto.randomUUID()}`
    const navigations: string[] = []
    // The public key (its `x`) of the proof of every token request, in order.
    const keys: string[] = []
    const fetchImpl: typeof fetch = async (input, init) => {
      const request = new Request(input, init)
      const proof = request.headers.get('dpop')
      if (proof && request.url.endsWith('/token')) {
        const header = JSON.parse(Buffer.from(proof.split('.')[0] ?? '', 'base64url').toString())
        keys.push(header.jwk.x)
      }
      return server.fetch(request)
    }
    const [first, second] = [1, 2].map(() => {
      const client = createBrowserClient({
        issuer: server.issuer,
        clientId: server.clientId,
        redirectUri: REDIRECT_URI,
        scope: 'openid offline_access',
        fetch: fetchImpl,
        store: createIndexedDbStore(databaseName),
        navigate: (url) => navigations.push(url),
        dpop: dpop(),
      })
      open.push(client)
      return client
    }) as [BrowserClient, BrowserClient]
    const events: SessionEvent['type'][] = []
    second.subscribe((event) => events.push(event.type))
    const signIn = async () => {
      await first.login()
      await first.handleRedirect(server.authorize(navigations.at(-1) ?? ''))
    }

    await signIn()
    await second.getAccessToken({ forceRefresh: true })
    await first.logout()
    await vi.waitFor(() => expect(events).toContain('logout'))
    await signIn()
    await vi.waitFor(() => expect(events.at(-1)).toBe('login'))
    await second.getAccessToken({ forceRefresh: true })

    const [login, refresh, secondLogin, secondRefresh] = keys
    expect(refresh).toBe(login)
    expect(secondLogin).not.toBe(login) // logging out deleted the key
    expect(secondRefresh).toBe(secondLogin)
  })
})

describe('createIndexedDbStore', () => {
  it('keeps values in one database named after the SDK', async () => {
    const store = createIndexedDbStore()
    await store.set('k', { a: 1 })
    expect(await store.get('k')).toEqual({ a: 1 })
    await store.delete('k')
    await store.delete('missing')
    expect(await store.get('k')).toBeUndefined()
    const names = (await indexedDB.databases()).map((db) => db.name)
    expect(names).toContain('oauthkit')
  })
})
