// A JWKS outage during the refresh of a session whose ID Tokens are encrypted (OIDC Core §10.2,
// the devserver's `web-encrypted` client): the refreshed ID Token waits in `pendingIdToken`, and
// the session engine's later check (core's verifyIdToken) must be able to read it once the keys
// are back, rather than take the JWE for a bad token and end the session.
import { createMemorySessionStore, type OAuthKitError, type Session } from '@oauthkit/core'
import { type DevServer, startDevServer } from '@oauthkit/devserver'
import { createServerClient, type ServerClientOptions } from '@oauthkit/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const REDIRECT = 'http://127.0.0.1:5173/callback'
const CLIENT = 'web-encrypted'

let server: DevServer
beforeAll(async () => {
  server = await startDevServer()
})
afterAll(() => server.close())

function client(options: Partial<ServerClientOptions> = {}) {
  const registered = server.clients[CLIENT]
  return createServerClient({
    issuer: server.issuer,
    clientId: CLIENT,
    clientSecret: registered?.clientSecret as string,
    decryptionKeys: [registered?.decryptionJwk as never],
    allowInsecureRequests: true,
    ...options,
  })
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('an encrypted ID Token left pending by a JWKS outage', () => {
  it('is verified once the keys are back: the session keeps going with the new claims', async () => {
    // Sign in with one instance; the session is then served by another, whose key cache is cold.
    const first = client()
    const { url, transaction } = await first.buildAuthorizationUrl({
      redirectUri: REDIRECT,
      scope: 'openid profile offline_access',
      prompt: 'consent',
    })
    const signedIn = await first.authorizationCodeGrant(
      await server.login(url, { user: 'alice' }),
      transaction,
    )
    expect(signedIn.tokenSet.idToken?.split('.')).toHaveLength(5) // a JWE

    const jwks = { down: false }
    const store = createMemorySessionStore()
    const errors: OAuthKitError[] = []
    const metadata = structuredClone(await first.metadata())
    const second = client({
      metadata,
      fetch: async (input, init) => {
        const request = new Request(input, init)
        if (jwks.down && new URL(request.url).pathname.endsWith('/jwks')) {
          return new Response('unavailable', { status: 503 })
        }
        return fetch(request)
      },
      sessions: { store, onError: (error) => errors.push(error) },
    })
    await second.saveSession('sid', signedIn)

    jwks.down = true
    const refreshed = await second.getSession('sid', { forceRefresh: true })
    expect(refreshed.pendingIdToken).toEqual(expect.any(String))
    expect(refreshed.tokenSet.refreshToken).not.toBe(signedIn.tokenSet.refreshToken)

    // Keys back: the next read (a cache hit) checks the pending ID Token in the background.
    jwks.down = false
    await second.getSession('sid')
    let stored: Session | undefined
    for (let i = 0; i < 100; i++) {
      stored = await second.getSession('sid').catch(() => undefined)
      if (!stored?.pendingIdToken) break
      await delay(50)
    }
    expect(errors).toEqual([])
    expect(stored?.pendingIdToken).toBeUndefined()
    expect(stored?.tokenSet.refreshToken).toBe(refreshed.tokenSet.refreshToken)
    expect(stored?.tokenSet.idToken).toBe(refreshed.pendingIdToken)
    expect(stored?.claims).toMatchObject({ sub: 'user-alice', aud: CLIENT })
    expect(stored?.claims?.iat).toBeGreaterThanOrEqual(signedIn.claims?.iat as number)
  }, 30_000)
})
