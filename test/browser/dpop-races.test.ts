import { type DevServer, startDevServer } from '@oauthkit/devserver'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from './helpers/launch-chromium.js'
import { type SpaServer, serveSpa } from './helpers/serve-spa.js'

// Issue 11, defect 4, with real tabs, real Web Locks and a real server that binds refresh tokens
// of public clients to the DPoP key (RFC 9449 §5): a token bound to a key the store no longer
// holds cannot be refreshed by any tab.
let browser: Browser
let spa: SpaServer
let server: DevServer
let context: BrowserContext

beforeAll(async () => {
  spa = await serveSpa()
  server = await startDevServer({ redirectUris: [`${spa.origin}/callback`] })
  spa.configure({ issuer: server.issuer, clientId: 'spa', scope: 'openid profile', dpop: true })
  browser = await launchChromium()
  context = await browser.newContext()
})

afterAll(async () => {
  await context?.close()
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

describe('@oauthkit/browser/dpop across Chromium tabs', () => {
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
})
