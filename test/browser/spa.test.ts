import { type DevServer, startDevServer } from '@oauthkit/devserver'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from './helpers/launch-chromium.js'
import { type SpaServer, serveSpa } from './helpers/serve-spa.js'
import { signInAsAlice } from './helpers/sign-in.js'

// Access tokens live 2 s, so expiry can be waited for; the client refreshes half of the
// lifetime ahead of it.
const ACCESS_TOKEN_TTL = 2
const afterExpiry = (page: Page) => page.waitForTimeout(ACCESS_TOKEN_TTL * 1000 + 100)

let browser: Browser
let spa: SpaServer
let server: DevServer
let context: BrowserContext

beforeAll(async () => {
  spa = await serveSpa()
  server = await startDevServer({
    redirectUris: [`${spa.origin}/callback`],
    postLogoutRedirectUris: [`${spa.origin}/`],
    ttl: { accessToken: ACCESS_TOKEN_TTL },
  })
  spa.configure({ issuer: server.issuer, clientId: 'spa', scope: 'openid profile' })
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await server?.close()
  await spa?.close()
})

afterEach(async () => {
  await context?.close()
})

async function openTab(path = '/'): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`${spa.origin}${path}`)
  return page
}

/** A fresh browser profile: its own IndexedDB, cookies and tabs. */
async function newContext(): Promise<void> {
  context = await browser.newContext()
}

/** The real redirect: the browser goes to the devserver, signs in as alice, consents, comes back. */
async function loginThroughBrowser(page: Page): Promise<unknown> {
  await page.evaluate(() => {
    void window.spa.auth.login({ returnTo: '/orders' })
  })
  await signInAsAlice(page, spa.origin)
  return page.evaluate(() => window.spa.ready)
}

/** Takes the authorization URL from the page and signs in headlessly: the callback URL. */
async function callbackFor(page: Page): Promise<string> {
  const authorizationUrl = await page.evaluate(async () => {
    window.spa.capture()
    await window.spa.auth.login()
    return window.spa.captured.at(-1) ?? ''
  })
  return server.login(authorizationUrl, { user: 'alice' })
}

async function sessionIn(page: Page) {
  const entries = await page.evaluate(() => window.spa.dump())
  const key = Object.keys(entries).find((name) => name.endsWith(' session'))
  return key
    ? (entries[key] as { tokenSet: { accessToken: string; refreshToken?: string } })
    : undefined
}

const tokenRequests = () => server.stats().endpoints.token ?? 0

describe('@oauthkit/browser in Chromium', () => {
  it('runs in a secure context with Web Locks, BroadcastChannel and IndexedDB', async () => {
    await newContext()
    const page = await openTab()
    expect(
      await page.evaluate(() => [
        isSecureContext,
        typeof navigator.locks?.request,
        typeof BroadcastChannel,
        typeof indexedDB,
      ]),
    ).toEqual([true, 'function', 'function', 'object'])
  })

  it('logs in through the redirect, keeps tokens in IndexedDB only, and survives a reload', async () => {
    await newContext()
    const page = await openTab()
    expect(await loginThroughBrowser(page)).toEqual({ returnTo: '/orders' })
    expect(new URL(page.url()).search).toBe('') // code and state are gone from the address bar
    expect(await page.evaluate(() => window.spa.auth.getUser())).toMatchObject({
      sub: expect.any(String),
      iss: server.issuer,
    })
    const session = await sessionIn(page)
    expect(session?.tokenSet.accessToken).toEqual(expect.any(String))
    expect(session?.tokenSet.refreshToken).toEqual(expect.any(String))
    const webStorage = await page.evaluate(() => [localStorage.length, sessionStorage.length])
    expect(webStorage).toEqual([0, 0])
    expect(await page.evaluate(() => window.spa.events)).toEqual([
      { type: 'login', fromOtherTab: false },
    ])

    await page.reload()
    expect(await page.evaluate(() => window.spa.auth.getUser())).toBeDefined()
    const token = await page.evaluate(() => window.spa.auth.getAccessToken())
    expect(token).toBe((await sessionIn(page))?.tokenSet.accessToken)
  })

  it('refreshes after the access token expires, with the rotated refresh token stored', async () => {
    await newContext()
    const page = await openTab()
    await page.goto(await callbackFor(page))
    await page.evaluate(() => window.spa.ready)
    const before = await sessionIn(page)
    await afterExpiry(page)
    server.resetStats()
    const token = await page.evaluate(() => window.spa.auth.getAccessToken())
    const after = await sessionIn(page)
    expect(tokenRequests()).toBe(1)
    expect(token).not.toBe(before?.tokenSet.accessToken)
    expect(after?.tokenSet.accessToken).toBe(token)
    expect(after?.tokenSet.refreshToken).not.toBe(before?.tokenSet.refreshToken)
  })

  it('100 concurrent getAccessToken() in one tab after expiry make 1 refresh request', async () => {
    await newContext()
    const page = await openTab()
    await page.goto(await callbackFor(page))
    await page.evaluate(() => window.spa.ready)
    await afterExpiry(page)
    server.resetStats()
    const tokens = await page.evaluate(() =>
      Promise.all(Array.from({ length: 100 }, () => window.spa.auth.getAccessToken())),
    )
    expect(tokenRequests()).toBe(1)
    expect(new Set(tokens).size).toBe(1)
  })

  it('3 tabs asking at once after expiry make 1 refresh request and end with the same token', async () => {
    await newContext()
    const first = await openTab()
    await first.goto(await callbackFor(first))
    await first.evaluate(() => window.spa.ready)
    const tabs = [first, await openTab('/other'), await openTab('/other')]
    for (const tab of tabs) await tab.evaluate(() => window.spa.auth.getAccessToken())
    await afterExpiry(first)
    server.resetStats()
    const tokens = await Promise.all(
      tabs.map((tab) => tab.evaluate(() => window.spa.auth.getAccessToken())),
    )
    expect(tokenRequests()).toBe(1)
    expect(new Set(tokens).size).toBe(1)
    expect(server.errors().filter((event) => event.event === 'grant.error')).toEqual([])
  })

  it('logout in one tab logs out the others, revokes, and clears IndexedDB', async () => {
    await newContext()
    const first = await openTab()
    await first.goto(await callbackFor(first))
    await first.evaluate(() => window.spa.ready)
    const others = [await openTab('/other'), await openTab('/other')]
    for (const tab of others)
      expect(await tab.evaluate(() => window.spa.auth.getUser())).toBeDefined()
    server.resetStats()
    await first.evaluate(async (origin) => {
      window.spa.capture()
      await window.spa.auth.logout({ postLogoutRedirectUri: `${origin}/` })
    }, spa.origin)
    for (const tab of others) {
      await tab.waitForFunction(() => window.spa.events.some((event) => event.type === 'logout'))
      expect(await tab.evaluate(() => window.spa.events.at(-1))).toEqual({
        type: 'logout',
        fromOtherTab: true,
      })
      expect(await tab.evaluate(() => window.spa.auth.getUser())).toBeUndefined()
      const code = await tab.evaluate(() =>
        window.spa.auth.getAccessToken().catch((err: { code?: string }) => err.code),
      )
      expect(code).toBe('ERR_LOGIN_REQUIRED')
    }
    expect(await sessionIn(first)).toBeUndefined()
    expect(server.stats().endpoints.revocation).toBe(1)
    const endSession = new URL((await first.evaluate(() => window.spa.captured.at(-1))) ?? '')
    expect(endSession.pathname).toBe('/session/end')
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${spa.origin}/`)
    expect(endSession.searchParams.get('id_token_hint')).toEqual(expect.any(String))
  })

  it('fetch() sends the token to an allowed origin, and the browser drops it when redirected elsewhere', async () => {
    // fetch() follows redirects; what keeps the token home is the Fetch standard's rule that a
    // cross-origin redirect removes Authorization. localhost is another origin than 127.0.0.1.
    await newContext()
    const page = await openTab()
    await page.goto(await callbackFor(page))
    await page.evaluate(() => window.spa.ready)
    spa.apiRequests.length = 0
    const elsewhere = `${spa.origin.replace('127.0.0.1', 'localhost')}/api/elsewhere`
    const status = await page.evaluate(async (to) => {
      const response = await window.spa.auth.fetch(`/api/redirect?to=${encodeURIComponent(to)}`)
      return response.status
    }, elsewhere)
    expect(status).toBe(200)
    expect(spa.apiRequests).toEqual([
      {
        host: new URL(spa.origin).host,
        path: '/api/redirect',
        authorization: expect.stringMatching(/^Bearer ./),
      },
      { host: new URL(elsewhere).host, path: '/api/elsewhere', authorization: undefined },
    ])
  })

  describe('a tampered callback is refused and stores nothing', () => {
    async function refused(tamper: (callback: URL) => void): Promise<unknown> {
      await newContext()
      const page = await openTab()
      const callback = new URL(await callbackFor(page))
      tamper(callback)
      server.resetStats()
      await page.goto(callback.href)
      const result = await page.evaluate(() => window.spa.ready)
      expect(await sessionIn(page)).toBeUndefined()
      expect(tokenRequests()).toBe(0)
      expect(new URL(page.url()).searchParams.has('code')).toBe(false)
      return result
    }

    it('wrong state', async () => {
      expect(await refused((url) => url.searchParams.set('state', 'forged'))).toEqual({
        error: 'ERR_STATE_MISMATCH',
      })
    })

    it('wrong iss (RFC 9207)', async () => {
      expect(await refused((url) => url.searchParams.set('iss', 'http://127.0.0.1:1'))).toEqual({
        error: 'ERR_ISSUER_MISMATCH',
      })
    })

    it('replayed code', async () => {
      await newContext()
      const page = await openTab()
      const callback = await callbackFor(page)
      await page.goto(callback)
      expect(await page.evaluate(() => window.spa.ready)).toEqual({})
      const session = await sessionIn(page)
      server.resetStats()
      await page.goto(callback)
      expect(await page.evaluate(() => window.spa.ready)).toEqual({
        error: 'ERR_TRANSACTION_MISSING',
      })
      expect(tokenRequests()).toBe(0)
      expect(await sessionIn(page)).toEqual(session)
    })
  })
})
