// The ways a session could be lost or left live at the server that issue 11 lists, one named test
// each (the number is the defect's in the issue). Tabs are clients over one IndexedDB database
// (fake-indexeddb) and one BroadcastChannel name; Web Locks are the fake lock manager, or absent.
import 'fake-indexeddb/auto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { dpop } from '../src/dpop.js'
import {
  type BrowserClient,
  createBrowserClient,
  createIndexedDbStore,
  type KeyValueStore,
  type SessionEvent,
} from '../src/index.js'
import {
  createFakeAuthorizationServer,
  type FakeServerOptions,
} from './helpers/fake-authorization-server.js'
import { installFakeLockManager } from './helpers/fake-lock-manager.js'
import { REDIRECT_URI } from './helpers/setup-client.js'

const HOUR = 3_600_000
let uninstall = (): void => {}
const open: BrowserClient[] = []
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
})
afterEach(() => {
  for (const client of open.splice(0)) client.close()
  uninstall()
  vi.useRealTimers()
})

interface Tab {
  auth: BrowserClient
  /** Where the tab navigated (authorization and logout URLs). */
  navigations: string[]
  /** Session events the tab heard. */
  events: SessionEvent[]
  /** The public key (`x`) of every DPoP proof the tab sent to the token endpoint. */
  proofKeys: string[]
}

interface Options {
  server?: FakeServerOptions
  /** Whether the tabs have Web Locks (the fake lock manager). Default true. */
  locks?: boolean
  dpop?: boolean
  /** Wraps a tab's store, to hold or observe its reads. */
  wrapStore?: (store: KeyValueStore, tab: number) => KeyValueStore
}

async function setupTabs(count: number, options: Options = {}) {
  if (options.locks !== false) uninstall = installFakeLockManager()
  const server = await createFakeAuthorizationServer(options.server)
  const databaseName = `oauthkit-test-${crypto.randomUUID()}`
  const tabs = Array.from({ length: count }, (_, index): Tab => {
    const navigations: string[] = []
    const proofKeys: string[] = []
    const store = createIndexedDbStore(databaseName)
    const auth = createBrowserClient({
      issuer: server.issuer,
      clientId: server.clientId,
      redirectUri: REDIRECT_URI,
      scope: 'openid offline_access',
      fetch: async (input, init) => {
        const request = new Request(input, init)
        const proof = request.headers.get('dpop')
        if (proof && request.url.endsWith('/token')) proofKeys.push(proofKeyOf(proof))
        return server.fetch(request)
      },
      store: options.wrapStore?.(store, index) ?? store,
      navigate: (url) => navigations.push(url),
      ...(options.dpop ? { dpop: dpop() } : {}),
    })
    open.push(auth)
    const events: SessionEvent[] = []
    auth.subscribe((event) => events.push(event))
    return { auth, navigations, events, proofKeys }
  })
  /** Logs `tab` in through the fake server. */
  async function signIn(tab: Tab): Promise<void> {
    await tab.auth.login()
    await tab.auth.handleRedirect(server.authorize(tab.navigations.at(-1) ?? ''))
  }
  const session = async () =>
    (await createIndexedDbStore(databaseName).get(`${server.issuer} spa session`)) as
      | { tokenSet: { accessToken: string; refreshToken?: string } }
      | undefined
  return { server, tabs: tabs as [Tab, Tab, ...Tab[]], signIn, session }
}

function proofKeyOf(proof: string): string {
  return JSON.parse(Buffer.from(proof.split('.')[0] ?? '', 'base64url').toString()).jwk.x
}

function jktOf(authorizationUrl: string | undefined, server: { state: FakeState }): string {
  // With PAR the parameters went to the server; the URL only names them.
  const url = new URL(authorizationUrl ?? '')
  const requestUri = url.searchParams.get('request_uri')
  const params = requestUri ? server.state.requestUris.get(requestUri) : url.searchParams
  return params?.get('dpop_jkt') ?? ''
}
type FakeState = Awaited<ReturnType<typeof createFakeAuthorizationServer>>['state']

function held(): { promise: Promise<void>; release: () => void } {
  let release = (): void => {}
  const promise = new Promise<void>((resolve) => {
    release = resolve
  })
  return { promise, release }
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
  } catch (err) {
    return (err as { code?: string }).code ?? 'no code'
  }
  return undefined
}

describe('issue 11: no session lost, no refresh token left live', () => {
  it.each([
    ['a 503', 503],
    ['a connection reset', 'network'],
  ] as const)(
    '(1) keeps the rotated refresh token when the JWKS fetch after a refresh fails with %s',
    async (_, failure) => {
      const { server, tabs, signIn, session } = await setupTabs(2, {
        server: { idTokenOnRefresh: true },
      })
      const [first, second] = tabs
      await signIn(first)
      const claims = await first.auth.getUser()
      vi.setSystemTime(Date.now() + HOUR)
      // The server rotates rt-1 into rt-2 and signs a new ID Token; its key set cannot be fetched.
      server.state.jwksFailure = failure
      const refreshed = await first.auth.getAccessToken().catch((err: unknown) => err)
      expect(refreshed).toBe('at-2')
      expect((await session())?.tokenSet.refreshToken).toBe('rt-2')
      expect(await first.auth.getUser()).toEqual(claims) // the last validated claims stay
      // The next refresh, from any tab, spends rt-2: nobody is logged out.
      server.state.jwksFailure = undefined
      vi.setSystemTime(Date.now() + HOUR)
      expect(await second.auth.getAccessToken()).toBe('at-3')
      expect(server.activeRefreshTokens()).toEqual(['rt-3'])
      expect([...first.events, ...second.events].map((event) => event.type)).not.toContain('logout')
    },
  )

  it('(4) two tabs using DPoP for the first time at once share one key, the one tokens are bound to', async () => {
    const { server, tabs } = await setupTabs(3, { dpop: true })
    const [first, second, reload] = tabs as [Tab, Tab, Tab]
    // Both tabs start a login at once: each needs the key for dpop_jkt (RFC 9449 §10).
    await Promise.all([first.auth.login(), second.auth.login()])
    const bound = jktOf(first.navigations[0], server)
    expect(jktOf(second.navigations[0], server)).toBe(bound)
    await first.auth.handleRedirect(server.authorize(first.navigations[0] ?? ''))
    // A reload signs its refresh with the stored key: the one the login's proof used.
    await reload.auth.getAccessToken({ forceRefresh: true })
    expect(reload.proofKeys).toEqual([first.proofKeys[0]])
  })

  it('(4) logout deletes the DPoP key before other tabs hear of it', async () => {
    const { server, tabs, signIn } = await setupTabs(2, { dpop: true })
    const [first, second] = tabs
    await signIn(first)
    const loggedOutKey = jktOf(first.navigations[0], server)
    // The revocation at logout is slow; the other tab reacts to the logout by starting a login.
    const revocation = held()
    server.state.holdRevocation = revocation.promise
    const nextLogin = new Promise<void>((resolve, reject) => {
      second.auth.subscribe((event) => {
        if (event.type === 'logout') second.auth.login().then(resolve, reject)
      })
    })
    const loggingOut = first.auth.logout()
    await nextLogin
    revocation.release()
    await loggingOut
    expect(jktOf(second.navigations.at(-1), server)).not.toBe(loggedOutKey)
  })

  it('(5) a logout racing a refresh in another tab revokes the rotated refresh token too', async () => {
    const { server, tabs, signIn, session } = await setupTabs(2)
    const [first, second] = tabs
    await signIn(first)
    await second.auth.getAccessToken()
    vi.setSystemTime(Date.now() + HOUR)
    // The second tab's refresh reaches the server (rt-1 is spent, rt-2 issued); the answer is slow.
    const answer = held()
    server.state.holdAnswer = answer.promise
    const refreshing = second.auth.getAccessToken().catch((err: unknown) => err)
    await vi.waitFor(() => expect(server.count('refresh_token')).toBe(1))
    server.state.holdAnswer = undefined
    // The logout deletes the session at once; the refresh's answer arrives after that.
    const loggingOut = first.auth.logout()
    await vi.waitFor(async () => expect(await session()).toBeUndefined())
    answer.release()
    await Promise.all([refreshing, loggingOut])
    expect(server.activeRefreshTokens()).toEqual([])
    expect(await session()).toBeUndefined()
    expect(await codeOf(second.auth.getAccessToken())).toBe('ERR_LOGIN_REQUIRED')
  })

  it('(6) without Web Locks, invalid_grant for a refresh token another tab already rotated keeps the session', async () => {
    const { server, tabs, signIn, session } = await setupTabs(2, {
      locks: false,
      server: { reuseDetection: false },
    })
    const [first, second] = tabs
    await signIn(first)
    await second.auth.getAccessToken()
    vi.setSystemTime(Date.now() + HOUR)
    // The second tab sends rt-1 and is slow; meanwhile the first tab rotates it into rt-2.
    const request = held()
    server.state.hold = request.promise
    const stale = second.auth.getAccessToken().catch((err: unknown) => err)
    await vi.waitFor(() => expect(server.count('refresh_token')).toBe(1))
    server.state.hold = undefined
    expect(await first.auth.getAccessToken()).toBe('at-2')
    request.release() // the server refuses rt-1: invalid_grant
    expect(await stale).toBe('at-2')
    expect((await session())?.tokenSet.refreshToken).toBe('rt-2')
    expect(await first.auth.getUser()).toBeDefined()
    expect([...first.events, ...second.events].map((event) => event.type)).not.toContain('logout')
  })

  it('(7) a logout heard from another tab does not answer ERR_LOGIN_REQUIRED for a newer session while it is decided', async () => {
    // The second tab's store reads can be held, to look into the window between the message and
    // the decision (which reads the store).
    const gate = { held: undefined as Promise<void> | undefined, waiting: 0 }
    const { server, tabs, signIn } = await setupTabs(2, {
      wrapStore: (store, tab) =>
        tab === 0
          ? store
          : {
              ...store,
              async get(key) {
                if (gate.held) {
                  gate.waiting++
                  await gate.held
                }
                return store.get(key)
              },
            },
    })
    const [first, second] = tabs
    await signIn(first)
    const token = await second.auth.getAccessToken()
    const reads = held()
    gate.held = reads.promise
    // A tab frozen since before this login wakes up and delivers its logout now.
    const frozenTab = new BroadcastChannel(`oauthkit ${server.issuer} ${server.clientId}`)
    frozenTab.postMessage(['logout', Date.now() - 60_000])
    frozenTab.close()
    await vi.waitFor(() => expect(gate.waiting).toBeGreaterThan(0))
    const answer = second.auth.getAccessToken().catch((err: unknown) => err)
    gate.held = undefined
    reads.release()
    expect(await answer).toBe(token)
    expect(await first.auth.getAccessToken()).toBe(token)
  })

  it('forceRefresh on a session without a refresh token logs no tab out', async () => {
    const { tabs, signIn, session } = await setupTabs(2, { server: { refreshTokens: false } })
    const [first, second] = tabs
    await signIn(first)
    const token = await second.auth.getAccessToken()
    // Only a new login can give a new token; the current one is still valid.
    expect(await codeOf(first.auth.getAccessToken({ forceRefresh: true }))).toBe(
      'ERR_LOGIN_REQUIRED',
    )
    expect((await session())?.tokenSet.accessToken).toBe(token)
    expect(await second.auth.getAccessToken()).toBe(token)
    expect(await first.auth.getUser()).toBeDefined()
    expect([...first.events, ...second.events].map((event) => event.type)).not.toContain('logout')
  })
})
