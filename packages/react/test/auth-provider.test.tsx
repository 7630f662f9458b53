import { Suspense, use } from 'react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { REDIRECT_URI, setupClient } from '../../browser/test/helpers/setup-client.js'
import { type Auth, AuthProvider, RequireAuth } from '../src/index.js'
import { Catch, Grab, mount, Probe, probed, unmountAll } from './render.js'

// The real @oauthkit/browser client against the in-process fake authorization server of the
// browser package's tests; StrictMode everywhere. The same flows run in Chromium against the
// devserver in test/browser/react.test.ts.
const ANONYMOUS = { isLoading: false, isAuthenticated: false, error: undefined }
const SIGNED_IN = { isLoading: false, isAuthenticated: true, user: 'user-1', error: undefined }
afterEach(unmountAll)

/** Suspends its parent's render until `until` settles. */
function Suspends({ until }: { until: Promise<void> }) {
  use(until)
  return null
}

describe('AuthProvider', () => {
  it('reads a logged-out session as anonymous, which is not an error', async () => {
    const { auth } = await setupClient()
    const { container } = mount(
      <AuthProvider client={auth}>
        <Probe />
      </AuthProvider>,
    )
    expect(probed(container)).toMatchObject({ isLoading: true, isAuthenticated: false })
    await vi.waitFor(() => expect(probed(container)).toEqual(ANONYMOUS))
  })

  it('handles the callback once under StrictMode and hands returnTo to onRedirect', async () => {
    const { auth, server, navigations } = await setupClient()
    await auth.login({ returnTo: '/orders?tab=2' })
    const callback = server.authorize(navigations.at(-1) ?? '')
    history.replaceState(null, '', callback)
    const handleRedirect = vi.spyOn(auth, 'handleRedirect')
    const onRedirect = vi.fn()
    const { container } = mount(
      <AuthProvider client={auth} onRedirect={onRedirect}>
        <Probe />
      </AuthProvider>,
    )
    await vi.waitFor(() => expect(probed(container)).toEqual(SIGNED_IN))
    expect(handleRedirect).toHaveBeenCalledTimes(1)
    expect(server.count('authorization_code')).toBe(1)
    expect(onRedirect).toHaveBeenCalledTimes(1)
    expect(onRedirect).toHaveBeenCalledWith({ returnTo: '/orders?tab=2' })
    expect(location.search).toBe('') // the client cleaned the address bar
  })

  it('stays loading until the exchange is done: a protected page starts no second login', async () => {
    const { auth, server, navigations } = await setupClient()
    await auth.login({ returnTo: '/orders' })
    history.replaceState(null, '', server.authorize(navigations.at(-1) ?? ''))
    let answer = () => {}
    server.state.hold = new Promise<void>((resolve) => {
      answer = resolve
    })
    const login = vi.spyOn(auth, 'login')
    const { container } = mount(
      <AuthProvider client={auth}>
        <Probe />
        <RequireAuth>secret</RequireAuth>
      </AuthProvider>,
    )
    // The token endpoint has not answered: StrictMode's second subscription must not read the
    // still-empty store and declare the user anonymous.
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(probed(container)).toMatchObject({ isLoading: true })
    answer()
    await vi.waitFor(() => expect(probed(container)).toEqual(SIGNED_IN))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(login).not.toHaveBeenCalled()
    expect(server.count('authorization_code')).toBe(1)
  })

  it('two providers for one client share one callback exchange', async () => {
    const { auth, server, navigations } = await setupClient()
    await auth.login()
    history.replaceState(null, '', server.authorize(navigations.at(-1) ?? ''))
    const handleRedirect = vi.spyOn(auth, 'handleRedirect')
    const first = mount(
      <AuthProvider client={auth}>
        <Probe />
      </AuthProvider>,
    )
    const second = mount(
      <AuthProvider client={auth}>
        <Probe />
      </AuthProvider>,
    )
    for (const { container } of [first, second]) {
      await vi.waitFor(() => expect(probed(container)).toEqual(SIGNED_IN))
    }
    expect(handleRedirect).toHaveBeenCalledTimes(1)
  })

  it('a render that concurrent React throws away (a suspending child) exchanges nothing', async () => {
    const { auth, server, navigations, store } = await setupClient()
    await auth.login()
    history.replaceState(null, '', server.authorize(navigations.at(-1) ?? ''))
    const options = {
      issuer: server.issuer,
      clientId: server.clientId,
      redirectUri: REDIRECT_URI,
      scope: 'openid offline_access',
      fetch: server.fetch,
      store,
    }
    let open = () => {}
    const gate = new Promise<void>((resolve) => {
      open = resolve
    })
    const { container } = mount(
      <Suspense fallback={<p data-testid="waiting">waiting</p>}>
        <AuthProvider options={options}>
          <Probe />
          <Suspends until={gate} />
        </AuthProvider>
      </Suspense>,
    )
    expect(container.textContent).toBe('waiting')
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(server.count('authorization_code')).toBe(0) // nothing ran for the discarded render
    open()
    await vi.waitFor(() => expect(probed(container)).toEqual(SIGNED_IN))
    expect(server.count('authorization_code')).toBe(1)
  })

  it('shows a refused callback as the error state, with the user anonymous', async () => {
    const { auth, server, navigations } = await setupClient()
    await auth.login()
    const callback = new URL(server.authorize(navigations.at(-1) ?? ''))
    callback.searchParams.set('state', 'forged')
    history.replaceState(null, '', callback)
    const { container } = mount(
      <AuthProvider client={auth}>
        <Probe />
      </AuthProvider>,
    )
    await vi.waitFor(() =>
      expect(probed(container)).toEqual({ ...ANONYMOUS, error: 'ERR_STATE_MISMATCH' }),
    )
    expect(server.count('authorization_code')).toBe(0)
  })

  it('leaves callback-looking URLs alone when isRedirectCallback says no', async () => {
    const { auth } = await setupClient()
    history.replaceState(null, '', `${REDIRECT_URI}?code=c&state=s`)
    const handleRedirect = vi.spyOn(auth, 'handleRedirect')
    const { container } = mount(
      <AuthProvider client={auth} isRedirectCallback={() => false}>
        <Probe />
      </AuthProvider>,
    )
    await vi.waitFor(() => expect(probed(container)).toEqual(ANONYMOUS))
    expect(handleRedirect).not.toHaveBeenCalled()
  })

  it('re-renders on login, refresh and logout events, without polling', async () => {
    const { auth, signIn, server } = await setupClient({}, { expiresIn: 3600 })
    const getUser = vi.spyOn(auth, 'getUser')
    const { container } = mount(
      <AuthProvider client={auth}>
        <Probe />
      </AuthProvider>,
    )
    await vi.waitFor(() => expect(probed(container)).toEqual(ANONYMOUS))
    await signIn()
    await vi.waitFor(() => expect(probed(container)).toEqual(SIGNED_IN))
    const reads = getUser.mock.calls.length
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(getUser.mock.calls.length).toBe(reads) // nothing asks while nothing happens
    await auth.getAccessToken({ forceRefresh: true })
    expect(server.count('refresh_token')).toBe(1)
    await vi.waitFor(() => expect(getUser.mock.calls.length).toBeGreaterThan(reads))
    await auth.logout()
    await vi.waitFor(() => expect(probed(container)).toEqual(ANONYMOUS))
  })

  it('creates and closes its own client from options', async () => {
    const { server } = await setupClient()
    const options = {
      issuer: server.issuer,
      clientId: server.clientId,
      redirectUri: REDIRECT_URI,
      scope: 'openid',
      fetch: server.fetch,
    }
    const grabbed: { current?: Auth } = {}
    const view = mount(
      <AuthProvider options={options}>
        <Probe />
        <Grab into={grabbed} />
      </AuthProvider>,
    )
    await vi.waitFor(() => expect(probed(view.container)).toEqual(ANONYMOUS))
    const client = grabbed.current?.client
    if (!client) throw new Error('no client')
    const close = vi.spyOn(client, 'close')
    view.unmount()
    expect(close).toHaveBeenCalled()
  })

  it('refuses props without a client or options', () => {
    const props = {} as Parameters<typeof AuthProvider>[0]
    expect(() => AuthProvider(props)).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }),
    )
    const notAClient = { client: {} } as unknown as Parameters<typeof AuthProvider>[0]
    expect(() => AuthProvider(notAClient)).toThrow(/"props.client" must be a BrowserClient/)
  })

  it('useAuth() outside a provider throws ERR_NO_AUTH_PROVIDER', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    const onError = vi.fn()
    mount(
      <Catch onError={onError}>
        <Probe />
      </Catch>,
    )
    await vi.waitFor(() => expect(onError).toHaveBeenCalled())
    expect(onError.mock.calls[0]?.[0]).toMatchObject({ code: 'ERR_NO_AUTH_PROVIDER' })
    errors.mockRestore()
  })
})
