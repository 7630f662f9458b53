import { afterEach, describe, expect, it, vi } from 'vitest'
import { setupClient } from '../../browser/test/helpers/setup-client.js'
import { type Auth, AuthProvider, RequireAuth, withAuthenticationRequired } from '../src/index.js'
import { Grab, mount, Probe, probed, ShowToken, unmountAll } from './render.js'

afterEach(unmountAll)

const text = (container: HTMLElement, id: string) =>
  container.querySelector(`[data-testid=${id}]`)?.textContent

describe('RequireAuth', () => {
  it('starts one login with returnTo for an anonymous user, showing the fallback', async () => {
    const { auth, navigations } = await setupClient()
    history.replaceState(null, '', '/orders?page=2#top')
    const login = vi.spyOn(auth, 'login')
    const { container } = mount(
      <AuthProvider client={auth}>
        <RequireAuth fallback={<p data-testid="fallback">wait</p>}>
          <p data-testid="secret">orders</p>
        </RequireAuth>
        <RequireAuth>
          <p>another protected part of the same page</p>
        </RequireAuth>
      </AuthProvider>,
    )
    expect(text(container, 'fallback')).toBe('wait')
    await vi.waitFor(() => expect(navigations).toHaveLength(1))
    // The page is leaving: a protected part that mounts now starts no second login.
    mount(
      <AuthProvider client={auth}>
        <RequireAuth>late</RequireAuth>
      </AuthProvider>,
    )
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(navigations).toHaveLength(1)
    expect(login).toHaveBeenCalledTimes(1)
    expect(login).toHaveBeenCalledWith({ returnTo: '/orders?page=2#top' })
    expect(text(container, 'secret')).toBeUndefined()
  })

  it('renders the children of a signed-in user and starts no login', async () => {
    const { auth, signIn } = await setupClient()
    await signIn()
    const login = vi.spyOn(auth, 'login')
    const Protected = withAuthenticationRequired(() => <p data-testid="secret">orders</p>)
    const { container } = mount(
      <AuthProvider client={auth}>
        <Protected />
      </AuthProvider>,
    )
    await vi.waitFor(() => expect(text(container, 'secret')).toBe('orders'))
    expect(login).not.toHaveBeenCalled()
    expect(Protected.displayName).toMatch(/^withAuthenticationRequired\(/)
  })

  it('does not loop into a new login after a refused callback', async () => {
    const { auth, server, navigations } = await setupClient()
    await auth.login()
    const callback = new URL(server.authorize(navigations.at(-1) ?? ''))
    callback.searchParams.delete('code')
    callback.searchParams.set('error', 'access_denied')
    history.replaceState(null, '', callback)
    const login = vi.spyOn(auth, 'login')
    const { container } = mount(
      <AuthProvider client={auth}>
        <Probe />
        <RequireAuth fallback={<p data-testid="fallback">denied</p>}>secret</RequireAuth>
      </AuthProvider>,
    )
    await vi.waitFor(() => expect(probed(container)).toMatchObject({ isLoading: false }))
    expect(probed(container)).toMatchObject({ isAuthenticated: false, error: 'ERR_OAUTH_RESPONSE' })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(login).not.toHaveBeenCalled()
    expect(text(container, 'fallback')).toBe('denied')
  })

  it('a login that fails (discovery down) lands in the error state', async () => {
    const { auth, server } = await setupClient()
    server.state.down = true
    const { container } = mount(
      <AuthProvider client={auth}>
        <Probe />
        <RequireAuth>secret</RequireAuth>
      </AuthProvider>,
    )
    await vi.waitFor(() => expect(probed(container)).toMatchObject({ error: 'ERR_NETWORK' }))
  })
})

describe('failures of a session', () => {
  it('a failed refresh sets the error and keeps the session; the next success clears it', async () => {
    const { auth, signIn, server } = await setupClient({}, { expiresIn: 3600 })
    await signIn()
    const api: { current?: Auth } = {}
    const { container } = mount(
      <AuthProvider client={auth}>
        <Probe />
        <Grab into={api} />
      </AuthProvider>,
    )
    await vi.waitFor(() => expect(probed(container)).toMatchObject({ isAuthenticated: true }))
    server.state.failNext = 'network'
    await expect(api.current?.getAccessToken({ forceRefresh: true })).rejects.toMatchObject({
      code: 'ERR_NETWORK',
    })
    await vi.waitFor(() =>
      expect(probed(container)).toMatchObject({ isAuthenticated: true, error: 'ERR_NETWORK' }),
    )
    expect(await api.current?.getAccessToken({ forceRefresh: true })).toEqual(expect.any(String))
    await vi.waitFor(() =>
      expect(probed(container)).toEqual({
        isLoading: false,
        isAuthenticated: true,
        user: 'user-1',
        error: undefined,
      }),
    )
  })

  it('an anonymous getAccessToken() rejects with ERR_LOGIN_REQUIRED without an error state', async () => {
    const { auth } = await setupClient()
    const api: { current?: Auth } = {}
    const { container } = mount(
      <AuthProvider client={auth}>
        <Probe />
        <Grab into={api} />
      </AuthProvider>,
    )
    await vi.waitFor(() => expect(probed(container)).toMatchObject({ isLoading: false }))
    await expect(api.current?.getAccessToken()).rejects.toMatchObject({
      code: 'ERR_LOGIN_REQUIRED',
    })
    await expect(api.current?.fetch('/api')).rejects.toMatchObject({ code: 'ERR_LOGIN_REQUIRED' })
    expect(probed(container)).toEqual({ isLoading: false, isAuthenticated: false })
  })
})

describe('useUser and useAccessToken', () => {
  it('follow the session: login, refresh, logout', async () => {
    const { auth, signIn } = await setupClient({}, { expiresIn: 3600 })
    const { container } = mount(
      <AuthProvider client={auth}>
        <ShowToken />
      </AuthProvider>,
    )
    const shown = () => JSON.parse(text(container, 'show') ?? 'null')
    expect(shown()).toEqual({ isLoading: true })
    await vi.waitFor(() => expect(shown()).toEqual({ isLoading: false }))
    await signIn()
    await vi.waitFor(() => expect(shown()).toMatchObject({ user: 'Ada', accessToken: 'at-1' }))
    await auth.getAccessToken({ forceRefresh: true })
    await vi.waitFor(() => expect(shown()).toMatchObject({ user: 'Ada', accessToken: 'at-2' }))
    await auth.logout()
    await vi.waitFor(() => expect(shown()).toEqual({ isLoading: false }))
  })
})
