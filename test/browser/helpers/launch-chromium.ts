import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'

// Flags for a quiet, deterministic headless run. Deliberately not @sparticuz/chromium's full list:
// it includes --disable-web-security, which would switch off the CORS checks the SDK must pass.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-zygote',
  '--disable-dev-shm-usage',
]

/**
 * The Chromium to drive: Debian's `/usr/bin/chromium` when installed, otherwise the binary that
 * `@sparticuz/chromium` ships inside the npm package (extracted to `/tmp` on first use), so the
 * suite runs on a machine that has only run `npm install`.
 */
export async function chromiumExecutablePath(): Promise<string> {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium'
  const { default: sparticuz } = await import('@sparticuz/chromium')
  return sparticuz.executablePath()
}

/** Launches headless Chromium through playwright-core. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: await chromiumExecutablePath(), args: ARGS })
}
