import puppeteer, { type Browser } from 'puppeteer-core'
import { chromiumExecutablePath } from '../../browser/helpers/launch-chromium.js'
import { FIREFOX } from '../preflight.mjs'

/** A browser of the matrix, driven the same way (puppeteer-core) whatever its engine. */
export interface BrowserRuntime {
  name: 'Chromium' | 'Firefox'
  launch(): Promise<Browser>
}

/** The version a launched browser reports (`HeadlessChrome/153.0.…`, `firefox/153.8.0esr`). */
export async function browserVersion(browser: Browser): Promise<string> {
  const reported = await browser.version()
  return reported.slice(reported.indexOf('/') + 1)
}

export const CHROMIUM: BrowserRuntime = {
  name: 'Chromium',
  // Chrome DevTools Protocol. No --disable-web-security: CORS is part of what is tested.
  launch: async () =>
    puppeteer.launch({
      browser: 'chrome',
      executablePath: await chromiumExecutablePath(),
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-zygote', '--disable-dev-shm-usage'],
    }),
}

export const FIREFOX_ESR: BrowserRuntime = {
  name: 'Firefox',
  // WebDriver BiDi, which Firefox speaks natively: no geckodriver needed.
  launch: () => puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true }),
}
