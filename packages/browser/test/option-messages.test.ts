import { createBrowserClient, createMemoryStore } from '@oauthkit/browser'
import { describe, expect, it } from 'vitest'

function client(options: Record<string, unknown>) {
  const calls: string[] = []
  const auth = createBrowserClient({
    issuer: 'https://as.example',
    clientId: 'spa',
    redirectUri: 'https://app.example/callback',
    scope: 'openid',
    store: createMemoryStore(),
    fetch: async (input) => {
      calls.push(String(input))
      return new Response(null, { status: 500 })
    },
    ...options,
  })
  return { auth, calls }
}

describe('createBrowserClient messages', () => {
  it('refuses an http: issuer with a TypeError naming allowInsecureRequests, before any I/O', () => {
    let calls: string[] = []
    const attempt = () => {
      const made = client({ issuer: 'http://127.0.0.1:4000' })
      calls = made.calls
    }
    expect(attempt).toThrow(TypeError)
    expect(attempt).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARG_VALUE',
        message: expect.stringMatching(/^"options\.issuer" must be .*allowInsecureRequests: true/),
      }),
    )
    expect(calls).toEqual([])
    // With the flag, as for the devserver, it is accepted.
    expect(() =>
      client({ issuer: 'http://127.0.0.1:4000', allowInsecureRequests: true }),
    ).not.toThrow()
  })

  it('fetch() to an origin not allowed names allowedOrigins', async () => {
    const { auth, calls } = client({ allowedOrigins: ['https://api.example'] })
    await expect(auth.fetch('https://evil.example/steal')).rejects.toMatchObject({
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_VALUE',
      message: expect.stringContaining('options.allowedOrigins'),
    })
    expect(calls).toEqual([])
  })
})
