import { join } from 'node:path'
import { type DevServer, startDevServer } from '@oauthkit/devserver'
import type { Browser, BrowserContext, Page } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type SpaServer, serveSpa } from '../../browser/helpers/serve-spa.js'
import { type BrowserRuntime, browserVersion } from './launch-browser.js'
import { readmeRow } from './readme-row.js'

// What the page exposes (scenarios/spa-page.mjs); only used inside page.evaluate().
interface ConformancePage {
  auth: {
    login(options?: { returnTo?: string }): Promise<void>
    logout(options?: { postLogoutRedirectUri?: string }): Promise<void>
    getAccessToken(): Promise<string>
    getUser(): Promise<Record<string, unknown> | undefined>
  }
  events: { type: string; fromOtherTab: boolean }[]
  ready: Promise<unknown>
  dump(): Promise<Record<string, unknown>>
}
declare global {
  interface Window {
    matrix: ConformancePage
  }
}

// Access tokens live 2 s, so expiry can be waited for; the client refreshes ahead of it.
const ACCESS_TOKEN_TTL = 2
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The browser scenarios, written once and run in each browser of the matrix against the packed
 * @oauthkit/browser: a login through the real redirect (the devserver's own login and consent
 * forms), the callback, getAccessToken(), a reload, three tabs refreshing at once, a logout seen
 * by every tab, and tokens in IndexedDB only.
 */
export function describeBrowserScenarios(runtime: BrowserRuntime): void {
  describe(runtime.name, () => {
    let browser: Browser
    let spa: SpaServer
    let server: DevServer
    const contexts: BrowserContext[] = []

    beforeAll(async () => {
      // The browser starts while the page is bundled and the devserver starts: Firefox takes
      // seconds to launch on a busy machine.
      const launched = runtime.launch()
      launched.catch(() => {}) // awaited below
      const dir = inject('runtimesProject')
      spa = await serveSpa({ entry: join(dir, 'spa-page.mjs'), dir })
      server = await startDevServer({
        redirectUris: [`${spa.origin}/callback`],
        postLogoutRedirectUris: [`${spa.origin}/`],
        ttl: { accessToken: ACCESS_TOKEN_TTL },
      })
      spa.configure({ issuer: server.issuer, clientId: 'spa' })
      browser = await launched
    })

    afterAll(async () => {
      for (const context of contexts) await context.close().catch(() => {})
      await browser?.close()
      await server?.close()
      await spa?.close()
    })

    /** A fresh profile (its own IndexedDB and cookies) with one tab open at `path`. */
    async function openProfile(path = '/'): Promise<{ context: BrowserContext; page: Page }> {
      const context = await browser.createBrowserContext()
      contexts.push(context)
      return { context, page: await openTab(context, path) }
    }

    async function openTab(context: BrowserContext, path: string): Promise<Page> {
      const page = await context.newPage()
      await page.goto(`${spa.origin}${path}`)
      await page.waitForFunction(() => window.matrix !== undefined)
      return page
    }

    /** The user's way in: login() navigates to the devserver, alice signs in and consents. */
    async function signIn(page: Page): Promise<unknown> {
      await Promise.all([
        page.waitForNavigation(),
        page.evaluate(() => {
          void window.matrix.auth.login({ returnTo: '/orders' })
        }),
      ])
      expect(new URL(page.url()).pathname).toMatch(/^\/interaction\//)
      await page.type('#username', 'alice')
      await page.type('#password', 'alice-password')
      await Promise.all([
        page.waitForNavigation(),
        page.click('form[data-prompt=login] button[type=submit]'),
      ])
      if (!page.url().startsWith(spa.origin)) {
        await Promise.all([
          page.waitForNavigation(),
          page.click('form[data-prompt=consent] button[type=submit]'),
        ])
      }
      await page.waitForFunction(() => window.matrix !== undefined)
      return page.evaluate(() => window.matrix.ready)
    }

    async function storedTokens(page: Page) {
      const entries = await page.evaluate(() => window.matrix.dump())
      const key = Object.keys(entries).find((name) => name.endsWith(' session'))
      return key
        ? (entries[key] as { tokenSet: { accessToken: string; refreshToken?: string } }).tokenSet
        : undefined
    }

    it('is the version in the README table', async () => {
      expect(readmeRow(runtime.name)?.[1]).toBe(await browserVersion(browser))
    })

    it('has a secure context with Web Locks, BroadcastChannel and IndexedDB', async () => {
      const { page } = await openProfile()
      expect(
        await page.evaluate(() => [
          isSecureContext,
          typeof navigator.locks?.request,
          typeof BroadcastChannel,
          typeof indexedDB,
        ]),
      ).toEqual([true, 'function', 'function', 'object'])
    })

    // One profile, signed in once through the real redirect, then used by each step in turn.
    describe('a session', () => {
      let context: BrowserContext
      let page: Page
      let others: Page[]

      it('login redirects to the authorization server and the callback completes it', async () => {
        ;({ context, page } = await openProfile())
        expect(await signIn(page)).toEqual({ returnTo: '/orders' })
        const { pathname, search } = new URL(page.url())
        expect([pathname, search]).toEqual(['/callback', '']) // code and state are gone
        expect(await page.evaluate(() => window.matrix.auth.getUser())).toMatchObject({
          sub: 'user-alice',
          iss: server.issuer,
        })
      })

      it('getAccessToken() answers the stored access token', async () => {
        const token = await page.evaluate(() => window.matrix.auth.getAccessToken())
        expect(token).toEqual(expect.any(String))
        expect(token).toBe((await storedTokens(page))?.accessToken)
      })

      it('IndexedDB holds the tokens, and Web Storage nothing', async () => {
        expect(await storedTokens(page)).toMatchObject({
          accessToken: expect.any(String),
          refreshToken: expect.any(String),
        })
        const webStorage = await page.evaluate(() => [localStorage.length, sessionStorage.length])
        expect(webStorage).toEqual([0, 0])
      })

      it('a reload keeps the session', async () => {
        await page.reload()
        await page.waitForFunction(() => window.matrix !== undefined)
        expect(await page.evaluate(() => window.matrix.auth.getUser())).toMatchObject({
          sub: 'user-alice',
        })
        const token = await page.evaluate(() => window.matrix.auth.getAccessToken())
        expect(token).toBe((await storedTokens(page))?.accessToken)
      })

      it('3 tabs asking at once after expiry make 1 refresh and end with the same token', async () => {
        others = [await openTab(context, '/other'), await openTab(context, '/other')]
        const tabs = [page, ...others]
        for (const tab of tabs) await tab.evaluate(() => window.matrix.auth.getAccessToken())
        const before = await storedTokens(page)
        await sleep(ACCESS_TOKEN_TTL * 1000 + 100)
        server.resetStats()
        const tokens = await Promise.all(
          tabs.map((tab) => tab.evaluate(() => window.matrix.auth.getAccessToken())),
        )
        expect(server.stats().endpoints.token).toBe(1)
        expect(new Set(tokens).size).toBe(1)
        const after = await storedTokens(page)
        expect(after?.accessToken).toBe(tokens[0])
        expect(after?.refreshToken).not.toBe(before?.refreshToken) // rotated, and kept
      })

      it('logout in one tab ends the session in every tab', async () => {
        for (const tab of others) {
          expect(await tab.evaluate(() => window.matrix.auth.getUser())).toBeDefined()
        }
        server.resetStats()
        await page.evaluate(
          (origin) => window.matrix.auth.logout({ postLogoutRedirectUri: `${origin}/` }),
          spa.origin,
        )
        for (const tab of others) {
          await tab.waitForFunction(() => window.matrix.events.some((e) => e.type === 'logout'))
          expect(await tab.evaluate(() => window.matrix.events.at(-1))).toEqual({
            type: 'logout',
            fromOtherTab: true,
          })
          expect(await tab.evaluate(() => window.matrix.auth.getUser())).toBeUndefined()
          const code = await tab.evaluate(() =>
            window.matrix.auth.getAccessToken().catch((err: { code?: string }) => err.code),
          )
          expect(code).toBe('ERR_LOGIN_REQUIRED')
        }
        expect(await storedTokens(page)).toBeUndefined()
        expect(server.stats().endpoints.revocation).toBe(1)
      })
    })
  })
}
