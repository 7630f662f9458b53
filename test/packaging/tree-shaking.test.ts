import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'

// An app bundled from the built packages must be no bigger than the same app bundled from
// TypeScript source: the build may not defeat tree-shaking (one file per module, so that
// `"sideEffects": false` drops what an app does not use). bench/browser-size.mjs measures the
// full SPA the same way from the packed tarballs; these are quick probes of single imports.
const root = fileURLToPath(new URL('../..', import.meta.url))

async function bundledBytes(contents: string, from: 'dist' | 'source'): Promise<number> {
  const result = await build({
    stdin: { contents, resolveDir: root, sourcefile: 'app.js', loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // esbuild's defaults (with `module`, the bundler condition) unless one is named; then `module`
    // must be named too.
    ...(from === 'source' ? { conditions: ['@oauthkit/source', 'module'] } : {}),
    write: false,
    logLevel: 'error',
  })
  return result.outputFiles[0]?.contents.length ?? Number.NaN
}

const apps: Record<string, string> = {
  'decodeJwt alone': `import { decodeJwt } from '@oauthkit/core'; console.log(decodeJwt('a.b.c'))`,
  'isExpired alone': `import { isExpired } from '@oauthkit/core'; console.log(isExpired)`,
  createBrowserClient: `import { createBrowserClient } from '@oauthkit/browser'; console.log(createBrowserClient)`,
  'dpop entry': `import { dpop } from '@oauthkit/browser/dpop'; console.log(dpop)`,
}

describe('built packages tree-shake like their source', () => {
  for (const [name, contents] of Object.entries(apps)) {
    it(`${name}: bundled from dist is no bigger than from source`, async () => {
      const [dist, source] = await Promise.all([
        bundledBytes(contents, 'dist'),
        bundledBytes(contents, 'source'),
      ])
      expect(dist).toBeGreaterThan(0)
      expect(dist).toBeLessThanOrEqual(source)
    })
  }
})

// The two layouts (package.json: `module` for bundlers, `default` for Node) are the same code:
// each entry exports the same names from both, except that for Node @oauthkit/core and
// @oauthkit/core/internal are one module (dist/bundle/index.js) with the names of both.
function exportNames(specifier: string, conditions: string[]): string[] {
  const code = `const m = await import(${JSON.stringify(specifier)}); process.stdout.write(JSON.stringify(Object.keys(m)))`
  const flags = conditions.map((name) => `--conditions=${name}`)
  const out = execFileSync(process.execPath, [...flags, '--input-type=module', '-e', code], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  })
  return JSON.parse(out) as string[]
}

describe('built packages: the per-module layout matches the bundled one', () => {
  const entries = [
    '@oauthkit/core',
    '@oauthkit/core/internal',
    '@oauthkit/browser',
    '@oauthkit/browser/dpop',
    '@oauthkit/node',
  ]
  const core = ['@oauthkit/core', '@oauthkit/core/internal']
  for (const specifier of entries) {
    it(`${specifier} exports the same names under the module condition`, () => {
      const bundled = exportNames(specifier, [])
      expect(bundled.length).toBeGreaterThan(0)
      const modules = core.includes(specifier)
        ? [...new Set(core.flatMap((name) => exportNames(name, ['module'])))]
        : exportNames(specifier, ['module'])
      expect(modules.sort()).toEqual(bundled.sort())
    })
  }
})
