// createEncryptedIndexedDbStore() in Chromium: the SPA's session lives in IndexedDB as AES-GCM
// ciphertext under a non-extractable key the browser generated and kept in IndexedDB, and the
// session still works across reloads and tabs.
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
  server = await startDevServer({ redirectUris: [`${spa.origin}/callback`] })
  spa.configure({
    issuer: server.issuer,
    clientId: 'spa',
    scope: 'openid profile',
    encryptStore: true,
  })
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
  return (await signedInSpa(context, spa, server)).page
}

describe('createEncryptedIndexedDbStore() in Chromium', () => {
  it('keeps the session as ciphertext under a non-extractable key, usable after a reload', async () => {
    const page = await signedIn()
    const accessToken = await page.evaluate(() => window.spa.auth.getAccessToken())
    expect(accessToken).toMatch(/\S{20,}/)
    const stored = await page.evaluate(async () => {
      const entries = await window.spa.dump()
      const session = Object.entries(entries).find(([key]) => key.endsWith(' session'))?.[1]
      const key = await new Promise<{ id: string; key: CryptoKey }>((resolve, reject) => {
        const open = indexedDB.open('oauthkit-key')
        open.onerror = () => reject(open.error)
        open.onsuccess = () => {
          const read = open.result.transaction('keys').objectStore('keys').get('store-key')
          read.onsuccess = () => resolve(read.result)
        }
      })
      const exported = await crypto.subtle.exportKey('raw', key.key).then(
        () => 'exported',
        (err: Error) => err.name,
      )
      return {
        session,
        json: JSON.stringify(session),
        kid: key.id,
        extractable: key.key.extractable,
        exported,
      }
    })
    expect(stored.session).toMatchObject({ oauthkit_sealed: 1, kid: stored.kid })
    expect(stored.json).not.toContain(accessToken)
    expect(stored).toMatchObject({ extractable: false, exported: 'InvalidAccessError' })

    await page.reload()
    expect(await page.evaluate(() => window.spa.auth.getAccessToken())).toBe(accessToken)
    // Another tab of the origin reads the same session with the same key.
    const second = await context.newPage()
    await second.goto(`${spa.origin}/`)
    expect(await second.evaluate(() => window.spa.auth.getAccessToken())).toBe(accessToken)
    expect((await second.evaluate(() => window.spa.auth.getUser()))?.sub).toBe('user-alice')
  })
})
