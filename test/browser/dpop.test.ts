import { type DevServer, startDevServer } from '@oauthkit/devserver'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from './helpers/launch-chromium.js'
import { type SpaServer, serveSpa } from './helpers/serve-spa.js'
import { signedInSpa } from './helpers/signed-in-spa.js'

let browser: Browser
let spa: SpaServer
let server: DevServer
let context: BrowserContext

beforeAll(async () => {
  spa = await serveSpa()
  // Server nonces on (RFC 9449 §8): every first proof is refused once, so the retry is exercised.
  server = await startDevServer({
    redirectUris: [`${spa.origin}/callback`],
    ttl: { accessToken: 2 },
    dpopNonce: true,
  })
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

async function signedIn(): Promise<Page> {
  const { page, authorizationUrl } = await signedInSpa(context, spa, server)
  expect(authorizationUrl.searchParams.get('dpop_jkt')).toMatch(/^[\w-]{43}$/)
  return page
}

describe('@oauthkit/browser/dpop in Chromium', () => {
  it('binds tokens to a non-extractable key kept in IndexedDB, refreshes and calls APIs with proofs', async () => {
    const page = await signedIn()
    const stored = await page.evaluate(async () => {
      const entries = await window.spa.dump()
      const find = (suffix: string) =>
        Object.entries(entries).find(([key]) => key.endsWith(suffix))?.[1] as never
      const session = find(' session') as { tokenSet: { tokenType: string } }
      const keyPair = find(' dpop') as CryptoKeyPair
      return {
        tokenType: session.tokenSet.tokenType,
        privateKey: [keyPair.privateKey.type, keyPair.privateKey.extractable],
      }
    })
    expect(stored).toEqual({ tokenType: 'DPoP', privateKey: ['private', false] })

    // UserInfo is a DPoP-protected resource at the devserver; its nonce demand is met by a retry.
    const userinfo = async () =>
      page.evaluate(async (issuer) => {
        const response = await window.spa.auth.fetch(`${issuer}/me`)
        return { status: response.status, body: await response.json() }
      }, server.issuer)
    expect(await userinfo()).toMatchObject({ status: 200, body: { sub: expect.any(String) } })

    const first = await page.evaluate(() => window.spa.auth.getAccessToken())
    await page.waitForTimeout(2100)
    server.resetStats()
    const second = await page.evaluate(() => window.spa.auth.getAccessToken())
    expect(second).not.toBe(first)
    expect(await userinfo()).toMatchObject({ status: 200 })

    await page.evaluate(async () => {
      window.spa.capture()
      await window.spa.auth.logout()
    })
    const keys = await page.evaluate(async () => Object.keys(await window.spa.dump()))
    expect(keys.filter((key) => key.endsWith(' dpop') || key.endsWith(' session'))).toEqual([])
  })
})
