import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
// @ts-expect-error: plain JavaScript module with JSDoc types
import { startPlayground } from '../server.mjs'
import { launchChromium } from './launch-chromium.ts'

const SHOTS = join(import.meta.dirname, '../../test-results/playground')

let playground: { url: string; close(): Promise<void> }
let browser: Browser
let context: BrowserContext
let page: Page
let origin: string

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  ;[playground, browser] = await Promise.all([startPlayground(), launchChromium()])
  origin = new URL(playground.url).origin
})

afterAll(async () => {
  await browser?.close()
  await playground?.close()
})

beforeEach(async () => {
  await context?.close()
  context = await browser.newContext({ viewport: { width: 1360, height: 900 } })
  page = await context.newPage()
  page.setDefaultTimeout(20_000)
})

async function startTour(id: string): Promise<void> {
  await page.goto(playground.url)
  await page.click(`[data-testid="start-${id}"]`)
  await page.waitForSelector('[data-testid="next"]')
}

/** Presses Next and waits until step `index` is done and shows no error. */
async function next(index: number): Promise<void> {
  await page.click('[data-testid="next"]')
  await waitDone(index)
}

async function waitDone(index: number): Promise<void> {
  await page.waitForSelector(`.stage[data-done="${index}"][data-busy="false"]`)
  expect(await page.locator('[data-testid="step-error"]').count()).toBe(0)
}

/** Signs in on the dev server's own pages (login, consent, device confirmation). */
async function signIn(target: Page, username = 'alice'): Promise<void> {
  for (let i = 0; i < 8; i++) {
    if (target.url().startsWith(origin)) return
    await target.waitForLoadState()
    if (await target.locator('#username').count()) {
      await target.fill('#username', username)
      await target.fill('#password', `${username}-password`)
      await Promise.all([
        target.waitForNavigation(),
        target.click('form[data-prompt="login"] button.primary'),
      ])
    } else if (await target.locator('form[data-prompt="consent"]').count()) {
      await Promise.all([
        target.waitForNavigation(),
        target.click('form[data-prompt="consent"] button.primary'),
      ])
    } else if (await target.locator('button.primary').count()) {
      await Promise.all([target.waitForNavigation(), target.click('button.primary')])
    } else return
  }
}

async function expectJwtsValid(minimum: number): Promise<void> {
  const results = page.locator('[data-testid="jwt-verify"]')
  await expect.poll(() => results.count()).toBeGreaterThanOrEqual(minimum)
  for (const result of await results.all()) {
    await expect.poll(() => result.getAttribute('data-result'), { timeout: 10_000 }).toBe('valid')
  }
}

async function expectLastStatus(status: number): Promise<void> {
  await expect
    .poll(() => page.locator('[data-testid="status"]').last().textContent(), { timeout: 15_000 })
    .toBe(String(status))
}

async function shot(name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0))
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
}

/** The resource call (200), then the wrong-scope (403) and expired-token (401) refusals. */
async function apiStep(index: number, name: string): Promise<void> {
  await next(index)
  await expectLastStatus(200)
  expect(await page.locator('.exchange').last().textContent()).toContain('here is your profile')
  await page.click('[data-testid="api-wrong-scope"]')
  await expectLastStatus(403)
  const refusal = (await page.locator('.exchange').last().textContent()) ?? ''
  expect(refusal).toContain('insufficient_scope')
  expect(refusal).toContain('www-authenticate')
  await page.click('[data-testid="api-expired"]')
  await expectLastStatus(401)
  expect(await page.locator('.exchange').last().textContent()).toContain('invalid_token')
  await page.waitForSelector('[data-testid="tour-done"]')
  await shot(name)
}

describe('playground', () => {
  it('home lists every grant and the comparison table closes the tour', async () => {
    await page.goto(playground.url)
    await page.waitForSelector('.cards')
    for (const id of [
      'spa',
      'web',
      'implicit',
      'client-credentials',
      'password',
      'refresh',
      'device',
      'pkce',
    ]) {
      expect(await page.locator(`[data-testid="start-${id}"]`).count()).toBe(1)
    }
    await shot('home')
    await page.click('[data-testid="compare-link"]')
    const table = await page.locator('[data-testid="comparison"]').textContent()
    expect(table).toContain('deprecated')
    expect(table).toContain('Implicit')
    await shot('comparison')
  })

  it('authorization code + PKCE (SPA) through the SDK, tokens verified, resource granted and refused', async () => {
    await startTour('spa')
    await next(0)
    expect(await page.locator('.output').textContent()).toContain('code_challenge')
    expect(await page.locator('.output').textContent()).toContain('@oauthkit/browser')
    await page.click('[data-testid="next"]')
    await signIn(page)
    await waitDone(2)
    expect(await page.locator('.output').textContent()).toContain('state matches')
    await next(3)
    await expectLastStatus(200)
    await next(4)
    await expectJwtsValid(2)
    await apiStep(5, 'spa')
  })

  it('authorization code without PKCE, with a client secret (masked), on the server', async () => {
    await startTour('web')
    await next(0)
    expect(await page.locator('.params').textContent()).not.toContain('code_challenge')
    await page.click('[data-testid="next"]')
    await signIn(page, 'bob')
    await waitDone(2)
    await next(3)
    const exchange = (await page.locator('.exchange').last().textContent()) ?? ''
    expect(exchange).toContain('Basic base64(web:')
    expect(exchange).not.toContain('web-secret')
    expect(await page.locator('.masked').count()).toBeGreaterThan(0)
    await next(4)
    await expectJwtsValid(2)
    await apiStep(5, 'web')
  })

  it('implicit: the access token arrives in the fragment and is visible in the address bar', async () => {
    await startTour('implicit')
    await next(0)
    await page.click('[data-testid="next"]')
    await signIn(page)
    await waitDone(2)
    expect(page.url()).toContain('#')
    expect(page.url()).toContain('access_token=')
    expect(await page.locator('[data-testid="address-bar"] mark').count()).toBe(1)
    expect(await page.locator('.compare').textContent()).toContain('Code flow callback')
    await shot('implicit-leak')
    await next(3)
    await expectJwtsValid(2)
    await apiStep(4, 'implicit')
  })

  it('client credentials: a service token, verified, and refused for the wrong scope', async () => {
    await startTour('client-credentials')
    await next(0)
    expect(await page.locator('.masked').textContent()).toContain('client secret')
    await next(1)
    await expectJwtsValid(1)
    expect(await page.locator('.claims').textContent()).toContain('api:read')
    await apiStep(2, 'client-credentials')
  })

  it('editing one character of a JWT payload makes verification fail', async () => {
    await startTour('client-credentials')
    await next(0)
    await next(1)
    await expectJwtsValid(1)
    const textarea = page.locator('[data-testid="jwt-encoded"]').first()
    const token = await textarea.inputValue()
    const [header, payload, signature] = token.split('.') as [string, string, string]
    const i = Math.floor(payload.length / 2)
    const tampered = `${header}.${payload.slice(0, i)}${payload[i] === 'A' ? 'B' : 'A'}${payload.slice(i + 1)}.${signature}`
    await textarea.fill(tampered)
    const verify = page.locator('[data-testid="jwt-verify"]').first()
    await expect.poll(() => verify.getAttribute('data-result')).toBe('invalid')
    expect(await verify.textContent()).toContain('signature verification failed')
    await shot('tampered-jwt')
    await textarea.fill(token)
    await expect.poll(() => verify.getAttribute('data-result')).toBe('valid')
  })

  it('password: the client sees the password; an opaque token is introspected by the API', async () => {
    await startTour('password')
    await next(0)
    await next(1)
    expect(await page.locator('[data-testid="password-seen"]').textContent()).toContain(
      'alice-password',
    )
    expect(await page.locator('.exchange').last().textContent()).toContain(
      'password=alice-password',
    )
    await next(2)
    await expectJwtsValid(1)
    await apiStep(3, 'password')
    expect(await page.locator('.output').textContent()).toContain('introspection')
  })

  it('refresh token rotation: the old refresh token is refused afterwards', async () => {
    await startTour('refresh')
    await next(0)
    await next(1)
    expect(await page.locator('[data-testid="rotated"]').textContent()).toContain('rotated')
    await next(2)
    expect(await page.locator('[data-testid="refused"]').textContent()).toContain('invalid_grant')
    await expectLastStatus(400)
    await next(3)
    await expectLastStatus(400)
    await page.waitForSelector('[data-testid="tour-done"]')
    await shot('refresh')
  })

  it('device authorization: user code, visible polling, approval in a second tab', async () => {
    await startTour('device')
    await next(0)
    const userCode = await page.locator('[data-testid="user-code"]').textContent()
    expect(userCode?.trim().length).toBeGreaterThan(4)
    const link = await page.locator('[data-testid="verification-link"]').getAttribute('href')
    await page.click('[data-testid="next"]')
    await page.waitForSelector('[data-testid="poll"]')
    const tab = await context.newPage()
    await tab.goto(link as string)
    await signIn(tab)
    expect(await tab.locator('body').textContent()).toContain('Device connected')
    await tab.close()
    await waitDone(1)
    expect(await page.locator('[data-testid="poll"]').first().textContent()).toContain(
      'authorization_pending',
    )
    await next(2)
    await expectJwtsValid(2)
    await apiStep(3, 'device')
  })

  it('PKCE: verifier, S256 challenge, and a stolen code refused without the verifier', async () => {
    await startTour('pkce')
    await next(0)
    const verifier = await page.locator('[data-testid="verifier"]').textContent()
    expect(verifier?.trim()).toMatch(/^[\w-]{43}$/)
    await next(1)
    expect(await page.locator('.output').textContent()).toContain('equals the server-side client')
    await page.click('[data-testid="next"]')
    await signIn(page)
    await waitDone(3)
    await next(4)
    expect(await page.locator('[data-testid="refused"]').textContent()).toContain('invalid_grant')
    await expectLastStatus(400)
    await next(5)
    await expectLastStatus(200)
    await expectJwtsValid(2)
    await page.waitForSelector('[data-testid="tour-done"]')
    await shot('pkce')
  })
})
