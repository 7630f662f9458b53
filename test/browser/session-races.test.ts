import { type DevServer, startDevServer } from '@oauthkit/devserver'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { launchChromium } from './helpers/launch-chromium.js'
import { type SpaServer, serveSpa } from './helpers/serve-spa.js'

// Issue 11's races with real tabs, real Web Locks and IndexedDB, and the devserver as referee: it
// binds refresh tokens of public clients to the DPoP key (RFC 9449 §5), so a token bound to a key
// the store no longer holds cannot be refreshed by any tab, and it tells which refresh tokens it
// would still accept.
let browser: Browser
let spa: SpaServer
let server: DevServer
let context: BrowserContext

beforeAll(async () => {
  spa = await serveSpa()
  server = await startDevServer({ redirectUris: [`${spa.origin}/callback`] })
  spa.configure({ issuer: server.issuer, clientId: 'spa', scope: 'openid profile', dpop: true })
  browser = await launchChromium()
})

beforeEach(async () => {
  context = await browser.newContext()
})

afterEach(async () => {
  await context?.close()
})

afterAll(async () => {
  await browser?.close()
  await server?.close()
  await spa?.close()
})

async function openTab(init?: () => void): Promise<Page> {
  const page = await context.newPage()
  if (init) await page.addInitScript(init)
  await page.goto(`${spa.origin}/other`)
  return page
}

// A slow device: making a key pair takes 300 ms, so two tabs starting together are both in the
// middle of it at once, whatever the scheduling.
function slowKeys(): void {
  const generateKey = crypto.subtle.generateKey.bind(crypto.subtle)
  crypto.subtle.generateKey = (async (...args: Parameters<typeof generateKey>) => {
    await new Promise((resolve) => setTimeout(resolve, 300))
    return generateKey(...args)
  }) as typeof generateKey
}

const startLogin = (page: Page) =>
  page.evaluate(async () => {
    window.spa.capture()
    await window.spa.auth.login()
    return window.spa.captured.at(-1) ?? ''
  })

describe('@oauthkit/browser races across Chromium tabs', () => {
  it('(4) two tabs using DPoP for the first time at once share one key, and a reload refreshes with it', async () => {
    const [first, second] = [await openTab(slowKeys), await openTab(slowKeys)]
    // Both need the key at once, for the authorization request's dpop_jkt (RFC 9449 §10).
    const [url, otherUrl] = await Promise.all([startLogin(first), startLogin(second)])
    const jkt = new URL(url).searchParams.get('dpop_jkt')
    expect(jkt).toMatch(/^[\w-]{43}$/)
    expect(new URL(otherUrl).searchParams.get('dpop_jkt')).toBe(jkt)
    await first.goto(await server.login(url, { user: 'alice' }))
    expect(await first.evaluate(() => window.spa.ready)).toEqual({})
    // A new tab loads the stored key; the server refreshes only with the key the grant is bound to.
    const reload = await openTab()
    const refreshed = await reload.evaluate(() =>
      window.spa.auth.getAccessToken({ forceRefresh: true }).then(
        () => 'refreshed',
        (err: { code?: string }) => err.code,
      ),
    )
    expect(refreshed).toBe('refreshed')
  })

  // Not a reproduction of defect 5 at this server: oidc-provider revokes the whole grant when the
  // spent refresh token is revoked, so the old code passed this too. packages/browser's
  // session-races test shows the defect against a server that revokes only the token presented;
  // this one holds the rule across real tabs at a real server.
  it('(5) a logout racing a refresh in another tab leaves no refresh token live at the server', async () => {
    // Grants of earlier tests stay live: only this one's are counted.
    const others = server.liveRefreshTokens()
    const first = await openTab()
    await first.goto(await server.login(await startLogin(first), { user: 'alice' }))
    expect(await first.evaluate(() => window.spa.ready)).toEqual({})
    const second = await openTab()
    await second.evaluate(() => window.spa.auth.getAccessToken())
    expect(server.liveRefreshTokens()).toHaveLength(others.length + 1)
    // The second tab's refresh reaches the server, which rotates the refresh token; its answer
    // is held on the way back.
    let answered = (): void => {}
    const atServer = new Promise<void>((resolve) => {
      answered = resolve
    })
    let release = (): void => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    await second.route('**/token', async (route) => {
      const response = await route.fetch()
      answered()
      await held
      await route.fulfill({ response })
    })
    await second.evaluate(() => {
      const tab = window as unknown as { refreshing: Promise<unknown> }
      tab.refreshing = window.spa.auth.getAccessToken({ forceRefresh: true }).then(
        () => 'refreshed',
        (err: { code?: string }) => err.code,
      )
    })
    await atServer
    await first.evaluate(() => {
      window.spa.capture()
      const tab = window as unknown as { loggingOut: Promise<unknown> }
      tab.loggingOut = window.spa.auth.logout()
    })
    // The logout deletes the session at once; the refresh's answer arrives after that.
    await expect
      .poll(async () =>
        Object.keys(await first.evaluate(() => window.spa.dump())).some((key) =>
          key.endsWith(' session'),
        ),
      )
      .toBe(false)
    release()
    expect(
      await second.evaluate(() => (window as unknown as { refreshing: unknown }).refreshing),
    ).toBe('ERR_LOGIN_REQUIRED')
    await first.evaluate(() => (window as unknown as { loggingOut: unknown }).loggingOut)
    await expect.poll(() => server.liveRefreshTokens()).toEqual(others)
    const left = Object.keys(await second.evaluate(() => window.spa.dump()))
    expect(left.filter((key) => key.endsWith(' session') || key.endsWith(' dpop'))).toEqual([])
  })
})
