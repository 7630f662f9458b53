import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'

/** `/usr/bin/chromium` when installed, else the binary shipped by `@sparticuz/chromium`. */
async function executablePath(): Promise<string> {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium'
  const { default: sparticuz } = await import('@sparticuz/chromium')
  return sparticuz.executablePath()
}

/** Headless Chromium through playwright-core, with CORS and the other web checks left on. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: await executablePath(),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-dev-shm-usage',
    ],
  })
}
