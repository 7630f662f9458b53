// @vitest-environment node
import { renderToString } from 'react-dom/server'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { AuthProvider, RequireAuth, useAccessToken, useAuth, useUser } from '../src/index.js'

// Server rendering: no DOM globals at all (the node environment), and the provider creating its
// client from options with the defaults (IndexedDB store, global fetch), which would throw or
// be seen if anything touched them.
beforeEach(() => {
  // The project's setup file installs fake-indexeddb for the happy-dom tests; a server has none.
  vi.stubGlobal('indexedDB', undefined)
})

afterEach(() => {
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
})

function Page() {
  const { isLoading, isAuthenticated } = useAuth()
  const user = useUser()
  const { accessToken } = useAccessToken()
  return (
    <p>
      {JSON.stringify({
        isLoading,
        isAuthenticated,
        user: user ?? null,
        token: accessToken ?? null,
      })}
    </p>
  )
}

describe('server rendering', () => {
  it('renders the loading state without window, IndexedDB or the network', () => {
    expect([typeof window, typeof document, typeof indexedDB, typeof location]).toEqual([
      'undefined',
      'undefined',
      'undefined',
      'undefined',
    ])
    const fetch = vi.spyOn(globalThis, 'fetch')
    const html = renderToString(
      <AuthProvider
        options={{
          issuer: 'https://as.example',
          clientId: 'spa',
          redirectUri: 'https://app.example/callback',
          scope: 'openid',
        }}
      >
        <Page />
        <RequireAuth fallback={<span>signing in</span>}>secret</RequireAuth>
      </AuthProvider>,
    )
    expect(html).toBe(
      '<p>{&quot;isLoading&quot;:true,&quot;isAuthenticated&quot;:false,&quot;user&quot;:null,&quot;token&quot;:null}</p><span>signing in</span>',
    )
    expect(fetch).not.toHaveBeenCalled()
  })
})
