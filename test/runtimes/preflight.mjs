// Runs first in `npm test` (and in the runtime suite's global setup): what the runtime matrix
// needs from outside the root node_modules.
// - The runtime binaries (Node 22/24, Bun, Deno, workerd) are their own small npm project,
//   test/runtimes/binaries, installed with `npm ci` from its lockfile when missing or stale. Not
//   root devDependencies: Node's package has a `node` executable, which npm would link into the
//   root node_modules/.bin, ahead of the Node that runs every npm script.
// - Firefox ESR comes from apt and cannot be installed without root: its absence stops the run
//   with the one command that installs it (nothing is skipped).
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const binaries = fileURLToPath(new URL('binaries/', import.meta.url))
export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr'
export const INSTALL_FIREFOX =
  'apt-get update && apt-get install -y --no-install-recommends firefox-esr'

/**
 * Installs test/runtimes/binaries from its lockfile unless it was installed from this very
 * lockfile (a copy is kept in node_modules after each install).
 */
export function ensureRuntimeBinaries() {
  const lockfile = readFileSync(`${binaries}package-lock.json`, 'utf8')
  const stamp = `${binaries}node_modules/.installed-from-lockfile`
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === lockfile) return
  console.error('installing the runtime binaries: npm ci --prefix test/runtimes/binaries')
  execFileSync('npm', ['ci', '--prefix', binaries, '--no-audit', '--no-fund'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  writeFileSync(stamp, lockfile)
}

/** Throws with the install command when Firefox ESR is missing. */
export function assertFirefox() {
  if (!existsSync(FIREFOX)) {
    throw new Error(
      `Firefox ESR is not installed (${FIREFOX}); the runtime matrix needs it. Install it (as root) with:\n  ${INSTALL_FIREFOX}`,
    )
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    assertFirefox()
    ensureRuntimeBinaries()
  } catch (err) {
    console.error(err instanceof Error ? err.message : err)
    process.exit(1)
  }
}
