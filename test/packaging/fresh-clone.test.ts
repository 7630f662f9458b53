/**
 * A new user's first step: clone, `npm install`, run the commands the READMEs show. npm links a
 * bin only when its file exists, so bins pointing into an unbuilt dist/ were never linked, and
 * `npx oauthkit` then went to the public registry for a stranger's package of that name.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

const exec = promisify(execFile)
const root = resolve(import.meta.dirname, '../..')

// The parent's npm_* variables (set when this runs under `npm test`) must not steer the clone's
// npm: it should behave as in a fresh shell.
const shellEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')),
)
// For the commands themselves: any registry request fails, so a link that is missing cannot be
// papered over by a download.
const offlineEnv = {
  ...shellEnv,
  npm_config_offline: 'true',
  npm_config_registry: 'http://127.0.0.1:9/',
}

it('links oauthkit and oauthkit-devserver by npm install alone, and npx finds them without the registry', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'oauthkit-clone-'))
  try {
    const head = (await exec('git', ['rev-parse', 'HEAD'], { cwd: root })).stdout.trim()
    await exec('git', ['clone', '--quiet', '--no-checkout', root, dir])
    await exec('git', ['checkout', '--quiet', head], { cwd: dir })
    // The cache that `npm ci` filled serves the packages; the registry is there for a miss.
    await exec('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: dir,
      env: shellEnv,
      maxBuffer: 64 * 1024 * 1024,
    })
    const devserver = await exec('npx', ['--no-install', 'oauthkit-devserver', '--help'], {
      cwd: dir,
      env: offlineEnv,
    })
    expect(devserver.stdout).toContain('Usage: oauthkit-devserver')
    const cli = await exec('npx', ['--no-install', 'oauthkit', '--help'], {
      cwd: dir,
      env: offlineEnv,
    })
    expect(cli.stdout).toContain('Usage: oauthkit <command>')
    // `npm run devserver` is the root script the README names: the same link.
    const script = await exec('npm', ['run', '--silent', 'devserver', '--', '--help'], {
      cwd: dir,
      env: offlineEnv,
    })
    expect(script.stdout).toContain('Usage: oauthkit-devserver')
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}, 900_000)
