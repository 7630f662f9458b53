import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sessionEngineScenarios } from '../../packages/core/test/session-engine-conformance.js'
import { launchChromium } from './helpers/launch-chromium.js'
import { type SpaServer, serveSpa } from './helpers/serve-spa.js'

// The session engine's conformance scenarios on @oauthkit/browser's adapters in real Chromium:
// IndexedDB through toSessionStore and the Web Locks API through createWebLock. The page bundles
// the very scenario file core and the happy-dom suite run.
let browser: Browser
let server: SpaServer
let page: Page

beforeAll(async () => {
  server = await serveSpa('conformance-page.ts')
  browser = await launchChromium()
  page = await browser.newPage()
  await page.goto(`${server.origin}/`)
  await page.waitForFunction(() => window.conformance !== undefined)
})

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

describe('session engine conformance: IndexedDB + Web Locks in Chromium', () => {
  it('runs on the real APIs, with every scenario of the shared file', async () => {
    expect(
      await page.evaluate(() => [typeof navigator.locks?.request, typeof indexedDB.open]),
    ).toEqual(['function', 'function'])
    expect(await page.evaluate(() => window.conformance.names)).toEqual(
      sessionEngineScenarios.map((scenario) => scenario.name),
    )
  })

  for (const { name } of sessionEngineScenarios) {
    it(name, async () => {
      expect(
        await page.evaluate((scenario) => window.conformance.run(scenario), name),
      ).toBeUndefined()
    })
  }
})
