import type { DevServer } from '@oauthkit/devserver'
import type { BrowserContext, Page } from 'playwright-core'
import { expect } from 'vitest'
import type { SpaServer } from './serve-spa.js'

/**
 * Opens the test SPA in a new page of `context`, logs in (the authorization request is captured
 * rather than followed, so the test can read it), signs in as alice at the devserver without its
 * pages (`server.login`), and waits until the SPA has handled the callback.
 */
export async function signedInSpa(
  context: BrowserContext,
  spa: SpaServer,
  server: DevServer,
): Promise<{ page: Page; authorizationUrl: URL }> {
  const page = await context.newPage()
  await page.goto(`${spa.origin}/`)
  const authorizationUrl = await page.evaluate(async () => {
    window.spa.capture()
    await window.spa.auth.login()
    return window.spa.captured.at(-1) ?? ''
  })
  await page.goto(await server.login(authorizationUrl, { user: 'alice' }))
  expect(await page.evaluate(() => window.spa.ready)).toEqual({})
  return { page, authorizationUrl: new URL(authorizationUrl) }
}
