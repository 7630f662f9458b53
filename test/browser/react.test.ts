import { createRequire } from 'node:module'
import { type DevServer, startDevServer } from '@oauthkit/devserver'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createExample, type Example, listenExample } from '../../packages/react/example/server.mjs'
import { ensureRuntimeBinaries } from '../runtimes/preflight.mjs'
import { launchChromium } from './helpers/launch-chromium.js'
import { signInAsAlice } from './helpers/sign-in.js'

// The React example app (packages/react/example, in React's development build, under StrictMode,
// so every effect runs twice) in Chromium against the devserver, on React 19 (the workspace's) and
// React 18 (installed beside the runtime binaries: the peer range promises both). Two set-ups:
// access tokens that live an hour, where any token request is a code exchange, and ones that live
// 2 s, for refreshes.
interface Stack {
  origin: string
  server: DevServer
  example: Example
  close(): Promise<void>
}

async function startStack(react: string | undefined, accessTokenTtl?: number): Promise<Stack> {
  const listening = await listenExample()
  const { origin } = listening
  const server = await startDevServer({
    redirectUris: [`${origin}/callback`],
    postLogoutRedirectUris: [`${origin}/`],
    ...(accessTokenTtl ? { ttl: { accessToken: accessTokenTtl } } : {}),
  })
  const example = await createExample({
    issuer: server.issuer,
    resource: server.resource,
    ...(react ? { react } : {}),
  })
  listening.serve(example)
  return {
    origin,
    server,
    example,
    close: async () => {
      await Promise.all([listening.close(), server.close()])
    },
  }
}

const SHORT_TTL = 2
// What a page does after a click (a token request, a re-render) can take seconds on a loaded box.
const eventually = { timeout: 15_000 }
let browser: Browser
let context: BrowserContext

beforeAll(async () => {
  ensureRuntimeBinaries()
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
})

afterEach(async () => {
  await context?.close()
})

/** A fresh profile whose pages record every alert (the app's error state) that ever appears. */
async function newContext(): Promise<void> {
  context = await browser.newContext()
  await context.addInitScript(() => {
    const seen: string[] = []
    Object.assign(window, { alertsSeen: seen })
    new MutationObserver(() => {
      for (const alert of document.querySelectorAll('[role=alert]')) {
        const code = alert.getAttribute('data-code') ?? ''
        if (seen.at(-1) !== code) seen.push(code)
      }
    }).observe(document, { childList: true, subtree: true })
  })
}

const alertsSeen = (page: Page) =>
  page.evaluate(() => (window as unknown as { alertsSeen: string[] }).alertsSeen)

async function openTab(stack: Stack, path = '/'): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`${stack.origin}${path}`)
  return page
}

const status = (page: Page) => page.getByTestId('status')

/** On the devserver's pages: sign in as alice, and wait for the app to say so. */
async function signIn(page: Page, stack: Stack): Promise<void> {
  await signInAsAlice(page, stack.origin)
  await expect.poll(() => status(page).textContent(), eventually).toBe('Signed in as Alice Liddell')
}

/** Every entry of the SDK's IndexedDB database in `page`. */
function storedSession(page: Page): Promise<{ tokenSet: { refreshToken?: string } } | undefined> {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('oauthkit')
        open.onerror = () => reject(open.error)
        open.onsuccess = () => {
          const entries = open.result.transaction('entries').objectStore('entries')
          const request = entries.getAllKeys()
          request.onsuccess = () => {
            const key = request.result.find((name) => String(name).endsWith(' session'))
            if (key === undefined) return resolve(undefined)
            const value = entries.get(key)
            value.onsuccess = () => resolve(value.result)
          }
        }
      }),
  )
}

const tokenRequests = (stack: Stack) => stack.server.stats().endpoints.token ?? 0
const grantErrors = (stack: Stack) =>
  stack.server.errors().filter((event) => event.event === 'grant.error')

// React 18 from test/runtimes/binaries (its own lockfile; React 19 is the workspace's).
const REACT_18 = new URL('../runtimes/binaries/', import.meta.url).href
const REACT_19_VERSION: string = createRequire(import.meta.url)('react/package.json').version
for (const [version, react] of [
  [REACT_19_VERSION, undefined],
  ['18.3.1', REACT_18],
] as const) {
  describe(`@oauthkit/react in Chromium, React ${version}`, () => {
    let long: Stack
    let short: Stack

    beforeAll(async () => {
      ;[long, short] = await Promise.all([startStack(react), startStack(react, SHORT_TTL)])
      // The page runs the React asked for: its version string is in the bundle, the other's is not.
      const script = await (await fetch(`${long.origin}/app.js`)).text()
      expect(script).toContain(JSON.stringify(version))
      const other = version === REACT_19_VERSION ? '18.3.1' : REACT_19_VERSION
      expect(script).not.toContain(JSON.stringify(other))
    })

    afterAll(async () => {
      await Promise.all([long?.close(), short?.close()])
    })

    it('public page → protected page → login → API call → logout, the code exchanged once under StrictMode', async () => {
      await newContext()
      const page = await openTab(long)
      await expect.poll(() => status(page).textContent(), eventually).toBe('Not signed in')
      expect(await page.getByTestId('greeting').textContent()).toBe('Hello, stranger.')
      long.server.resetStats()

      // The protected page sends an anonymous user to the login, with the way back in returnTo.
      await page.click('a[href="/orders"]')
      await signIn(page, long)
      await page.getByTestId('load-orders').waitFor()
      expect(new URL(page.url()).pathname).toBe('/orders')
      expect(new URL(page.url()).search).toBe('') // no code or state left in the address bar
      // StrictMode ran the provider's effect twice; the code went to the token endpoint once.
      expect(tokenRequests(long)).toBe(1)
      expect(long.server.stats().endpoints.authorization).toBe(1)
      expect(grantErrors(long)).toEqual([])
      // Not even for a moment did a second handleRedirect() fail on the spent state.
      expect(await alertsSeen(page)).toEqual([])

      await page.getByTestId('load-orders').click()
      const orders = JSON.parse((await page.getByTestId('orders').textContent()) ?? '')
      expect(orders).toEqual({ sub: 'user-alice', orders: ['1 × looking-glass', '12 × jam tarts'] })
      expect(long.example.apiCalls.at(-1)).toEqual({ sub: 'user-alice', status: 200 })

      await page.click('a[href="/"]')
      expect(await page.getByTestId('greeting').textContent()).toBe('Hello, Alice.')

      await page.getByTestId('logout').click()
      await page.waitForURL(
        (url) =>
          url.pathname === '/session/end/confirm' ||
          url.href.startsWith(`${long.server.issuer}/session/end`),
      )
      await page.click('button[name=logout][value=yes]')
      await page.waitForURL(`${long.origin}/**`)
      await expect.poll(() => status(page).textContent(), eventually).toBe('Not signed in')
      expect(await storedSession(page)).toBeUndefined()
      expect(long.server.stats().endpoints.revocation).toBe(1)
      expect(tokenRequests(long)).toBe(1)
    })

    it('two tabs stay in step: a login, a refresh and a logout in one re-render the other', async () => {
      await newContext()
      const first = await openTab(short)
      const second = await openTab(short)
      await expect.poll(() => status(second).textContent(), eventually).toBe('Not signed in')

      await first.getByTestId('login').click()
      await signIn(first, short)
      await expect
        .poll(() => status(second).textContent(), eventually)
        .toBe('Signed in as Alice Liddell')

      // Both on the protected page, each holding the token as state (useAccessToken).
      await first.click('a[href="/orders"]')
      await second.click('a[href="/orders"]')
      for (const tab of [first, second]) {
        await expect
          .poll(() => tab.getByTestId('tokens').textContent(), eventually)
          .toBe('access tokens seen: 1')
      }
      await first.waitForTimeout(SHORT_TTL * 1000 + 100)
      short.server.resetStats()
      await first.getByTestId('load-orders').click()
      await first.getByTestId('orders').waitFor()
      // The refresh, by one tab at a time: two tabs spending one refresh token would be a reuse,
      // and the devserver would refuse it and revoke the grant. The new token lives 2 s and is
      // due 1 s before it expires, so on a loaded machine a tab may refresh once more before the
      // check: each refresh is then a token the other tab must see as well.
      expect(tokenRequests(short)).toBeGreaterThanOrEqual(1)
      expect(grantErrors(short)).toEqual([])
      // The second tab heard of every refresh over BroadcastChannel and re-rendered with the
      // newest token.
      const seen = async () =>
        Number((await second.getByTestId('tokens').textContent())?.replace(/\D+/g, ''))
      await expect
        .poll(async () => (await seen()) >= 2 && (await seen()) === 1 + tokenRequests(short))
        .toBe(true)
      expect(grantErrors(short)).toEqual([])

      await second.click('a[href="/"]')
      await first.getByTestId('logout').click()
      await expect.poll(() => status(second).textContent(), eventually).toBe('Not signed in')
      expect(await second.getByTestId('greeting').textContent()).toBe('Hello, stranger.')
    })

    it('a refresh that fails on the network shows the error state and keeps the session', async () => {
      await newContext()
      const page = await openTab(short, '/orders')
      await signIn(page, short)
      await page.getByTestId('load-orders').waitFor()
      await page.waitForTimeout(SHORT_TTL * 1000 + 100)
      // A network failure is what the devserver cannot be made to do: the browser drops the request.
      await context.route(`${short.server.issuer}/token`, (route) => route.abort('connectionreset'))
      await page.getByTestId('load-orders').click()
      await expect
        .poll(() => page.getByTestId('error').getAttribute('data-code'), eventually)
        .toBe('ERR_NETWORK')
      expect(await page.getByTestId('orders-failure').textContent()).toBe('ERR_NETWORK')
      expect(await status(page).textContent()).toBe('Signed in as Alice Liddell')
      expect(new URL(page.url()).pathname).toBe('/orders')

      // The network is back: the next call refreshes, and the error goes.
      await context.unroute(`${short.server.issuer}/token`)
      await page.getByTestId('load-orders').click()
      await page.getByTestId('orders').waitFor()
      await expect.poll(() => page.getByTestId('error').count(), eventually).toBe(0)
    })

    it('a refresh token the server refuses ends the session with the error shown, and no login loop', async () => {
      await newContext()
      const page = await openTab(short, '/orders')
      await signIn(page, short)
      await page.getByTestId('load-orders').waitFor()
      // Someone else spends the refresh token: the server rotates it, and when the app presents the
      // old one, it sees a reuse and revokes the grant (RFC 9700 §4.14.2).
      const refreshToken = (await storedSession(page))?.tokenSet.refreshToken ?? ''
      const response = await fetch(`${short.server.issuer}/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
          client_id: 'spa',
        }),
      })
      expect(response.status).toBe(200)
      await page.waitForTimeout(SHORT_TTL * 1000 + 100)
      short.server.resetStats()

      await page.getByTestId('load-orders').click()
      await expect
        .poll(() => page.getByTestId('error').getAttribute('data-code'))
        .toBe('ERR_LOGIN_REQUIRED')
      expect(await status(page).textContent()).toBe('Not signed in')
      expect(await page.getByTestId('redirecting').count()).toBe(1) // RequireAuth's fallback
      // RequireAuth waits for the user instead of leaving for the login page.
      await page.waitForTimeout(500)
      expect(new URL(page.url()).origin).toBe(short.origin)
      expect(short.server.stats().endpoints.authorization ?? 0).toBe(0)
      expect(await storedSession(page)).toBeUndefined()
    })
  })
}
