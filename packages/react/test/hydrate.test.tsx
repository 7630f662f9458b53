import { hydrateRoot } from 'react-dom/client'
import { renderToString } from 'react-dom/server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { setupClient } from '../../browser/test/helpers/setup-client.js'
import { AuthProvider, RequireAuth } from '../src/index.js'
import { Probe, probed, render } from './render.js'

afterEach(() => {
  vi.restoreAllMocks()
  document.body.innerHTML = ''
})

describe('hydration', () => {
  it('hydrates server HTML without a mismatch, then shows the session', async () => {
    const { auth, signIn } = await setupClient()
    await signIn()
    // The session is already known in this page (another provider read it): the client's
    // snapshot is "signed in" while the server's HTML says "loading". Hydration must use the
    // server's.
    const other = render(
      <AuthProvider client={auth}>
        <Probe />
      </AuthProvider>,
    )
    await vi.waitFor(() => expect(probed(other.container)).toMatchObject({ isAuthenticated: true }))
    const app = (
      <AuthProvider client={auth}>
        <Probe />
        <RequireAuth fallback={<span>signing in</span>}>
          <span data-testid="secret">secret</span>
        </RequireAuth>
      </AuthProvider>
    )
    const container = document.createElement('div')
    container.innerHTML = renderToString(app)
    document.body.append(container)
    expect(probed(container)).toMatchObject({ isLoading: true })

    const consoleError = vi.spyOn(console, 'error')
    const onRecoverableError = vi.fn()
    const root = hydrateRoot(container, app, { onRecoverableError })
    await vi.waitFor(() =>
      expect(container.querySelector('[data-testid=secret]')?.textContent).toBe('secret'),
    )
    expect(probed(container)).toEqual({
      isLoading: false,
      isAuthenticated: true,
      user: 'user-1',
    })
    expect(onRecoverableError).not.toHaveBeenCalled()
    expect(consoleError).not.toHaveBeenCalled()
    root.unmount()
    other.unmount()
  })
})
