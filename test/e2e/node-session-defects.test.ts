// Issue 11's defects as they reach @oauthkit/node, against the devserver (which rotates refresh
// tokens on every use). Each test failed on the code before the session engine.
import { type DevServer, startDevServer } from '@oauthkit/devserver'
import { createServerClient, type ServerClient, type ServerClientOptions } from '@oauthkit/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const REDIRECT = 'http://127.0.0.1:5173/callback'

let server: DevServer
beforeAll(async () => {
  server = await startDevServer()
})
afterAll(() => server.close())

function web(options: Partial<ServerClientOptions> = {}): ServerClient {
  return createServerClient({
    issuer: server.issuer,
    clientId: 'web',
    clientSecret: server.clients.web?.clientSecret as string,
    allowInsecureRequests: true,
    ...options,
  })
}

// A fetch that answers the issuer's JWKS with a 503 while `down` is set, and passes the rest on.
function flakyJwks() {
  const state = { down: false, jwksRequests: 0 }
  const fetchImpl: typeof fetch = async (input, init) => {
    const request = new Request(input, init)
    if (new URL(request.url).pathname.endsWith('/jwks')) {
      state.jwksRequests++
      if (state.down) return new Response('unavailable', { status: 503 })
    }
    return fetch(request)
  }
  return { state, fetchImpl }
}

async function signIn(client: ServerClient) {
  const { url, transaction } = await client.buildAuthorizationUrl({
    redirectUri: REDIRECT,
    scope: 'openid profile offline_access',
    prompt: 'consent',
  })
  return client.authorizationCodeGrant(await server.login(url, { user: 'alice' }), transaction)
}

describe('defect 1: a JWKS outage during a refresh does not lose the rotated refresh token', () => {
  it('refreshTokenGrant() returns the new tokens, the ID Token pending, the claims of the last validated one', async () => {
    const { state, fetchImpl } = flakyJwks()
    const session = await signIn(web())
    // Another instance (or the next run, after a restart) refreshes the stored session: its key
    // cache is cold, so the ID Token check must fetch the JWKS.
    const metadata = structuredClone(await web().metadata())
    const client = web({ fetch: fetchImpl, metadata })
    expect(session.claims?.sub).toBe('user-alice')
    const first = session.tokenSet.refreshToken as string

    state.down = true
    const refreshed = await client.refreshTokenGrant(session)
    expect(state.jwksRequests).toBeGreaterThan(0)
    const rotated = refreshed.tokenSet.refreshToken as string
    expect(rotated).not.toBe(first)
    expect(refreshed.pendingIdToken).toEqual(expect.any(String))
    expect(refreshed.claims?.sub).toBe('user-alice')

    // The rotated refresh token is the session now: the next refresh, keys back, works with it.
    state.down = false
    const again = await client.refreshTokenGrant(refreshed)
    expect(again.pendingIdToken).toBeUndefined()
    expect(again.claims?.sub).toBe('user-alice')
    // And the first one was spent: had the response been dropped, nothing would be left. (Last:
    // the devserver revokes the whole grant when a rotated-out refresh token is reused.)
    await expect(client.refreshTokenGrant(first)).rejects.toMatchObject({ error: 'invalid_grant' })
  })
})

describe('defect 3: a failing token store is worked around, never a request flood', () => {
  it.each([
    ['get', { get: true, set: false }],
    ['set', { get: false, set: true }],
  ] as const)(
    'store.%s() failing: 50 calls make 1 token request and all get a token',
    async (_, failing) => {
      const errors: unknown[] = []
      const client = createServerClient({
        issuer: server.issuer,
        clientId: 'service',
        clientSecret: server.clients.service?.clientSecret as string,
        allowInsecureRequests: true,
        tokenCache: {
          store: {
            get: async () => {
              if (failing.get) throw new Error('store unreachable')
              return undefined
            },
            set: async () => {
              if (failing.set) throw new Error('store unreachable')
            },
            delete: async () => {},
          },
          onError: (error) => errors.push(error),
        },
      })
      await client.metadata()
      server.resetStats()
      for (let i = 0; i < 50; i++) {
        await expect(client.clientCredentials({ scope: 'api:read' })).resolves.toMatchObject({
          accessToken: expect.any(String),
        })
      }
      expect(server.stats().endpoints.token).toBe(1)
      expect(errors.length).toBeGreaterThan(0)
      expect(errors[0]).toMatchObject({ code: 'ERR_STORE_FAILED' })
    },
  )
})
