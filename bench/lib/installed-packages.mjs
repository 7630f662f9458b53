// The oauthkit packages as a user's project has them after `npm install`: each workspace package
// is packed with `npm pack` (so only what its `files` list ships, with its published package.json)
// and unpacked into node_modules of a temporary folder outside the workspace, where neither the
// `src/` folders nor the workspace symlinks can be reached. Third-party packages are linked from
// the workspace's node_modules, so they are the exact versions package-lock.json pins (the same
// ones `npm install` of the tarballs resolves to today), without a registry round trip in CI.
//
// bench/run.mjs installs once and hands the folder on in OAUTHKIT_BENCH_INSTALL; a script run on
// its own installs into a folder of its own, removed when it exits.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** The workspace packages a user installs (the devserver is a test tool, the umbrella re-exports). */
export const PACKAGES = ['core', 'browser', 'node', 'cli', 'react']

/**
 * Packs and installs the built packages (run `npm run build` first) into a new folder and returns
 * its path: `import()` or bundle from there to get what users get. `keep: false` removes the
 * folder when the process exits.
 */
export function installBuiltPackages({ keep = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'oauthkit-bench-'))
  if (!keep) process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
  const modules = join(dir, 'node_modules')
  mkdirSync(join(modules, '@oauthkit'), { recursive: true })
  writeFileSync(join(dir, 'package.json'), '{"name":"bench-app","private":true,"type":"module"}\n')

  const workspaces = PACKAGES.flatMap((name) => ['--workspace', `packages/${name}`])
  const packed = JSON.parse(
    execFileSync(
      'npm',
      ['pack', ...workspaces, '--pack-destination', dir, '--json', '--ignore-scripts'],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  )
  for (const { name, filename } of packed) {
    const target = join(modules, name)
    mkdirSync(target, { recursive: true })
    execFileSync('tar', ['-xzf', join(dir, filename), '-C', target, '--strip-components=1'])
    rmSync(join(dir, filename))
  }

  const source = join(root, 'node_modules')
  for (const entry of readdirSync(source)) {
    if (entry === '.bin' || entry === '.package-lock.json' || entry === 'oauthkit') continue
    if (entry.startsWith('@')) {
      for (const scoped of readdirSync(join(source, entry))) {
        if (entry === '@oauthkit') continue
        mkdirSync(join(modules, entry), { recursive: true })
        symlinkSync(join(source, entry, scoped), join(modules, entry, scoped), 'dir')
      }
    } else {
      symlinkSync(join(source, entry), join(modules, entry), 'dir')
    }
  }
  return dir
}

let installed
/** The folder bench/run.mjs prepared, or one installed for this process on first use. */
export function builtPackages() {
  installed ??= process.env.OAUTHKIT_BENCH_INSTALL || installBuiltPackages()
  return installed
}

/**
 * `import(specifier)` as a user's project resolves it from the installed tarballs
 * ({@link builtPackages}), for scripts that measure the built packages in their own process.
 */
export async function importBuilt(specifier) {
  const resolve = createRequire(join(builtPackages(), 'package.json')).resolve
  return import(pathToFileURL(resolve(specifier)).href)
}
