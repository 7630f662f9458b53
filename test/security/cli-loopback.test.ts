/**
 * `loopbackLogin` (RFC 8252 §7.3, §8.3) against the hostile server: the browser is simulated by
 * fetching the callback URL the server redirects to. A callback with a forged state is answered
 * 400 and ignored (it cannot end the user's login); a mixed-up callback with our state ends the
 * login without a token request; the loopback page never reflects server text.
 */
import { type LoopbackLoginOptions, loopbackLogin } from '@oauthkit/cli'
import { describe, expect, it } from 'vitest'
import { CLIENT_ID, useHostileServer } from './fixture.js'
import { expectRefusal } from './helpers.js'
import { json } from './hostile-server.js'

const server = useHostileServer()

interface BrowserVisit {
  authorizationUrl?: URL
  callback?: URL
  status?: number
  page?: string
}

/** Runs a loopback login against the hostile server whose "browser" is `openBrowser`. */
const loginWith = (
  openBrowser: LoopbackLoginOptions['openBrowser'],
  scope = 'openid offline_access',
) =>
  loopbackLogin({
    issuer: server().issuer,
    clientId: CLIENT_ID,
    scope,
    allowInsecureRequests: true,
    timeout: 5_000,
    openBrowser,
  })

/** Runs a loopback login whose "browser" follows the server's redirect with `extra` changes. */
function login(extra?: Record<string, string | null>, scope = 'openid offline_access') {
  const visit: BrowserVisit = {}
  const promise = loginWith(async (url) => {
    visit.authorizationUrl = new URL(url)
    visit.callback = server().authorize(url, extra)
    const response = await fetch(visit.callback)
    visit.status = response.status
    visit.page = await response.text()
  }, scope)
  return { promise, visit }
}

const settle = (visit: BrowserVisit) =>
  new Promise<void>((resolve) => {
    const check = () => (visit.page !== undefined ? resolve() : setTimeout(check, 5))
    check()
  })

describe('CLI loopback login', () => {
  it('control: redirect URI on the 127.0.0.1 literal, PKCE S256, and the login completes', async () => {
    const { promise, visit } = login()
    const tokenSet = await promise
    expect(tokenSet.accessToken).toMatch(/^at-/)
    expect(visit.authorizationUrl?.searchParams.get('redirect_uri')).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\//,
    )
    expect(visit.authorizationUrl?.searchParams.get('code_challenge_method')).toBe('S256')
    await settle(visit)
    expect(visit.status).toBe(200)
  })

  it('answers a callback with a forged state with a 400, without a token request, and the login goes on to succeed', async () => {
    let forged: { status: number; page: string; tokenRequests: number } | undefined
    let browser: Promise<number> | undefined
    // Like a real browser: launched, not awaited.
    const tokenSet = await loginWith((url) => {
      browser = (async () => {
        // A local process probing the port first: it must not end the user's login.
        const response = await fetch(server().authorize(url, { state: 'attacker-state' }))
        forged = {
          status: response.status,
          page: await response.text(),
          tokenRequests: server().count('/token'),
        }
        return (await fetch(server().authorize(url))).status
      })()
    })
    const real = await browser
    expect(forged).toMatchObject({ status: 400, tokenRequests: 0 })
    expect(forged?.page).toContain('Sign-in failed')
    expect(real).toBe(200)
    expect(tokenSet.accessToken).toMatch(/^at-/)
    expect(server().count('/token')).toBe(1)
  })

  it('an error=access_denied with a forged state does not end the login either', async () => {
    let browser: Promise<number[]> | undefined
    const tokenSet = await loginWith((url) => {
      browser = (async () => {
        const probe = server().authorize(url, {
          code: null,
          error: 'access_denied',
          state: 'attacker-state',
        })
        const forged = (await fetch(probe)).status
        return [forged, (await fetch(server().authorize(url))).status]
      })()
    })
    expect(await browser).toEqual([400, 200])
    expect(tokenSet.accessToken).toMatch(/^at-/)
  })

  it('refuses a callback whose iss names another issuer, without a token request', async () => {
    const { promise } = login({ iss: 'https://honest-as.example' })
    await expectRefusal(promise, 'ERR_ISSUER_MISMATCH', server().secrets)
    expect(server().count('/token')).toBe(0)
  })

  it('error=access_denied is ERR_ACCESS_DENIED and the page does not reflect the description', async () => {
    const payload = '<script>alert("xss")</script>'
    const { promise, visit } = login({
      code: null,
      error: 'access_denied',
      error_description: payload,
    })
    const err = await expectRefusal(promise, 'ERR_ACCESS_DENIED', server().secrets)
    expect(err).toMatchObject({ error: 'access_denied', error_description: payload })
    await settle(visit)
    expect(visit.page).not.toContain('<script>alert')
    expect(visit.page).not.toContain('alert(')
  })

  it('a token response with an attacker-signed ID Token is refused and the callback cannot be replayed', async () => {
    server().on('/token', async (_q, res, { server }) => {
      const tokens = await server.tokens(CLIENT_ID, { idToken: false })
      json(res, 200, {
        ...tokens,
        id_token: await server.mintIdToken(CLIENT_ID, {}, { key: server.attackerRsa }),
      })
    })
    const { promise, visit } = login()
    await expectRefusal(promise, 'OAUTH_INVALID_RESPONSE', server().secrets)
    await settle(visit)
    // The loopback server is gone: a replayed callback reaches nobody.
    await expect(fetch(visit.callback as URL)).rejects.toThrow()
    expect(server().count('/token')).toBe(1)
  })
})
