import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../../..', import.meta.url))
const scenarios = fileURLToPath(new URL('../scenarios', import.meta.url))

/** The workspaces a runtime loads, packed exactly as `npm publish` would. */
const PACKED = ['packages/core', 'packages/node', 'packages/browser']

/**
 * A throwaway project outside the workspace, like a user's: the `npm pack` tarballs of the built
 * packages unpacked into its `node_modules`, their third-party dependencies copied from the root
 * install (no registry access), and the scenario files beside them. Outside the workspace on
 * purpose: nothing resolves to TypeScript source or through a workspace symlink (Deno refuses
 * those), so every runtime loads what would be published.
 *
 * @param {{ extra?: string[] }} [options] - `extra`: more root dependencies to copy in (a bench's
 *   baselines)
 * @returns {Promise<{ dir: string, remove(): Promise<void> }>} the project directory; `remove()`
 *   deletes it
 */
export async function installPacked({ extra = [] } = {}) {
  for (const workspace of PACKED) {
    // The entry Node loads, wherever the build puts it (dist/index.js, dist/bundle/index.js).
    const { exports } = JSON.parse(readFileSync(join(root, workspace, 'package.json'), 'utf8'))
    if (!existsSync(join(root, workspace, exports['.'].default))) {
      throw new Error(`${workspace} is not built: run \`npm run build\` first`)
    }
  }
  const dir = await mkdtemp(join(tmpdir(), 'oauthkit-runtimes-'))
  const tarballs = join(dir, '.tarballs')
  await mkdir(tarballs)
  const { stdout } = await run(
    'npm',
    [
      'pack',
      '--json',
      '--pack-destination',
      tarballs,
      ...PACKED.flatMap((workspace) => ['-w', workspace]),
    ],
    { cwd: root, env: { ...process.env, npm_config_loglevel: 'error' } },
  )
  const packed = JSON.parse(stdout)
  const thirdParty = new Set(extra)
  for (const { name, filename } of packed) {
    const target = join(dir, 'node_modules', name)
    await mkdir(target, { recursive: true })
    await run('tar', ['-xzf', join(tarballs, filename), '-C', target, '--strip-components=1'])
    const manifest = JSON.parse(await readFile(join(target, 'package.json'), 'utf8'))
    for (const dependency of Object.keys(manifest.dependencies ?? {})) {
      if (!dependency.startsWith('@oauthkit/')) thirdParty.add(dependency)
    }
  }
  for (const name of thirdParty) {
    await cp(join(root, 'node_modules', name), join(dir, 'node_modules', name), {
      recursive: true,
    })
  }
  await cp(scenarios, dir, { recursive: true })
  await writeFile(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'runtime-conformance', private: true, type: 'module' }, null, 2)}\n`,
  )
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}
