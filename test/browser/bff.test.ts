// The Backend for Frontend in real Chromium against the devserver: the SPA signs in, keeps its
// session across a reload, calls an API through the proxy (refreshed under it when the access
// token expires), logs out (the grant is revoked) and is logged out from the devserver side by
// back-channel logout — and at no point can a script in the page see anything token-like.
import { createServer, type Server } from 'node:http'
import { fileURLToPath } from 'node:url'
import { type DevServer, startDevServer } from '@oauthkit/devserver'
import { createAccessTokenVerifier } from '@oauthkit/node'
import { type Bff, createBff } from '@oauthkit/node/bff'
import { build } from 'esbuild'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { bffOptions } from '../fixtures/bff-options.js'
import { listen } from '../fixtures/listen.js'
import { launchChromium } from './helpers/launch-chromium.js'

const ACCESS_TOKEN_TTL = 2
let browser: Browser
let context: BrowserContext
let devserver: DevServer
let app: Server
let api: Server
let origin: string
let bff: Bff
const apiCalls: { sub: string; jti: string }[] = []

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('./fixtures/bff-page.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@oauthkit/source'],
    write: false,
    logLevel: 'warning',
  })
  const script = bundle.outputFiles[0]?.text ?? ''
  app = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', origin)
    if (url.pathname === '/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script)
      return
    }
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) {
      for (const item of [value ?? []].flat()) headers.append(name, item)
    }
    let body: string | undefined
    if (req.method === 'POST') {
      body = ''
      for await (const chunk of req) body += chunk
    }
    const response = await bff.handle(
      new Request(url, {
        method: req.method ?? 'GET',
        headers,
        ...(body !== undefined ? { body } : {}),
      }),
    )
    if (!response) {
      res.writeHead(200, { 'content-type': 'text/html' })
      res.end('<!doctype html><title>BFF app</title><script type="module" src="/app.js"></script>')
      return
    }
    const out: Record<string, string | string[]> = {}
    response.headers.forEach((value, name) => {
      if (name !== 'set-cookie') out[name] = value
    })
    if (response.headers.getSetCookie().length) out['set-cookie'] = response.headers.getSetCookie()
    res.writeHead(response.status, out).end(Buffer.from(await response.arrayBuffer()))
  })
  origin = await listen(app)
  devserver = await startDevServer({
    ttl: { accessToken: ACCESS_TOKEN_TTL },
    redirectUris: [`${origin}/auth/callback`],
    postLogoutRedirectUris: [`${origin}/`],
    clients: {
      web: {
        backchannel_logout_uri: `${origin}/auth/backchannel-logout`,
        backchannel_logout_session_required: true,
      },
    },
  })
  const verifier = createAccessTokenVerifier({
    issuer: devserver.issuer,
    audience: devserver.resource,
    allowInsecureRequests: true,
  })
  api = createServer(async (req, res) => {
    try {
      const claims = await verifier.verify(req.headers.authorization ?? '')
      apiCalls.push({ sub: claims.sub as string, jti: claims.jti as string })
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ orders: [1, 2, 3], for: claims.sub }))
    } catch {
      res.writeHead(401).end()
    }
  })
  const apiOrigin = await listen(api)
  bff = createBff(
    bffOptions(devserver, origin, apiOrigin, { apis: [{ prefix: '/api', upstream: apiOrigin }] }),
  )
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await devserver?.close()
  await new Promise((resolve) => app?.close(resolve))
  await new Promise((resolve) => api?.close(resolve))
})

afterEach(async () => {
  await context?.close()
})

/** Through the devserver's real login and consent pages, as a user would. */
async function signIn(page: Page): Promise<void> {
  await page.goto(`${origin}/`)
  await page.waitForFunction(() => window.bffPage !== undefined)
  await page.evaluate(() => window.bffPage.auth.login({ returnTo: '/orders' }))
  await page.waitForURL((url) => url.pathname.startsWith('/interaction/'))
  await page.fill('#username', 'alice')
  await page.fill('#password', 'alice-password')
  const loginPage = page.url()
  await page.click('form[data-prompt=login] button[type=submit]')
  await page.waitForURL((url) => url.href !== loginPage)
  if (!page.url().startsWith(origin)) {
    await page.click('form[data-prompt=consent] button[type=submit]')
  }
  await page.waitForURL(`${origin}/orders`)
  await page.waitForFunction(() => window.bffPage !== undefined)
}

async function nothingTokenLike(page: Page): Promise<void> {
  const seen = await page.evaluate(() => window.bffPage.storage())
  expect(seen).toEqual({ cookie: '', local: 0, session: 0, databases: [] })
}

const user = (page: Page) => page.evaluate(() => window.bffPage.auth.getUser())
const orders = (page: Page) =>
  page.evaluate(async () => {
    const response = await window.bffPage.auth.fetch('/api/orders')
    return { status: response.status, body: response.ok ? await response.json() : null }
  })

describe('BFF in Chromium', () => {
  it('login, reload, API call, refresh under the proxy, logout: no token ever reaches the page', async () => {
    context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${origin}/`)
    await page.waitForFunction(() => window.bffPage !== undefined)
    expect(await user(page)).toBeUndefined()
    await nothingTokenLike(page)

    await signIn(page)
    expect(await user(page)).toMatchObject({ sub: 'user-alice' })
    await nothingTokenLike(page)
    // The cookie is there, HttpOnly: the browser holds it, scripts cannot read it.
    // (Cookies ignore ports: the devserver's, on the same host, are in the jar too.)
    const cookies = (await context.cookies()).filter((c) => c.name.startsWith('oauthkit'))
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toEqual([
      ['oauthkit-session', true, 'Strict'],
    ])

    await page.reload()
    await page.waitForFunction(() => window.bffPage !== undefined)
    expect(await user(page)).toMatchObject({ sub: 'user-alice' })

    apiCalls.length = 0
    expect(await orders(page)).toEqual({
      status: 200,
      body: { orders: [1, 2, 3], for: 'user-alice' },
    })
    await page.waitForTimeout(ACCESS_TOKEN_TTL * 1000 + 200)
    expect((await orders(page)).status).toBe(200)
    expect(new Set(apiCalls.map((c) => c.jti)).size).toBe(2) // a refreshed token, server-side
    await nothingTokenLike(page)

    const grantsBefore = devserver.liveRefreshTokens().length
    // The companion's logout: the BFF ends the session and revokes, then the page goes to the
    // devserver's end-session page, which asks to confirm and comes back.
    await page.evaluate(() => {
      void window.bffPage.auth.logout()
    })
    await page.waitForURL((url) => url.href.startsWith(devserver.issuer))
    await page.click('button[name=logout][value=yes]')
    await page.waitForURL(`${origin}/`)
    await page.waitForFunction(() => window.bffPage !== undefined)
    expect(await user(page)).toBeUndefined()
    expect((await orders(page)).status).toBe(401)
    await expect
      .poll(() => devserver.liveRefreshTokens().length, { timeout: 5_000 })
      .toBeLessThan(grantsBefore)
    await nothingTokenLike(page)
  })

  it('back-channel logout from the devserver ends the session in the browser', async () => {
    context = await browser.newContext()
    const page = await context.newPage()
    await signIn(page)
    expect(await user(page)).toMatchObject({ sub: 'user-alice' })
    // The user ends the SSO session at the devserver itself (not through the BFF): the devserver
    // tells the BFF over the back channel.
    const endSession = await bff.client.buildEndSessionUrl({ postLogoutRedirectUri: `${origin}/` })
    await page.goto(endSession.href)
    await page.click('button[name=logout][value=yes]')
    await page.waitForURL(`${origin}/`)
    await page.waitForFunction(() => window.bffPage !== undefined)
    await expect.poll(() => user(page), { timeout: 5_000 }).toBeUndefined()
  })
})
