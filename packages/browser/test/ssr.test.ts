// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { createBrowserClient, createMemoryStore } from '../src/index.js'

// Server-side rendering and workers have no `window`, `document` or `location`: importing the
// package and creating a client must work there, and so must reading the (empty) session.
describe('without a window', () => {
  it('imports, creates a client and answers getUser() with no DOM at all', async () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined')
    const auth = createBrowserClient({
      issuer: 'https://as.example',
      clientId: 'spa',
      redirectUri: 'https://app.example/callback',
      scope: 'openid',
      store: createMemoryStore(),
    })
    expect(await auth.getUser()).toBeUndefined()
    await expect(auth.getAccessToken()).rejects.toMatchObject({ code: 'ERR_LOGIN_REQUIRED' })
    auth.close()
  })
})
