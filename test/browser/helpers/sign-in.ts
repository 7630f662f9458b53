import type { Page } from 'playwright-core'

/**
 * Plays the user on the devserver's own pages, once the app has sent the browser there: signs in
 * as alice, consents when asked, and waits until the browser is back at the app's `origin`.
 */
export async function signInAsAlice(page: Page, origin: string): Promise<void> {
  await page.waitForURL((url) => url.pathname.startsWith('/interaction/'))
  await page.fill('#username', 'alice')
  await page.fill('#password', 'alice-password')
  const loginPage = page.url()
  await page.click('form[data-prompt=login] button[type=submit]')
  await page.waitForURL((url) => url.href !== loginPage)
  if (!page.url().startsWith(origin)) {
    await page.click('form[data-prompt=consent] button[type=submit]')
    await page.waitForURL((url) => url.href.startsWith(origin))
  }
}
