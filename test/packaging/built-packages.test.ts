import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// Each built package, loaded the way a user's project loads it: plain Node, default export
// conditions (so `dist`, never source), from ESM with import() and from CommonJS with require()
// (Node >= 20.19 can require() ESM). The names are the public contract of ARCHITECTURE.md.
const root = fileURLToPath(new URL('../..', import.meta.url))

const contract: Record<string, string[]> = {
  '@oauthkit/core': [
    'discover',
    'decodeJwt',
    'isOAuthKitError',
    'OAuthKitError',
    'verifyJwtAccessToken',
  ],
  // The plumbing the packages share, with no semver promise; browser, node and cli import it.
  '@oauthkit/core/internal': ['invalidArgument', 'raceSignal', 'abortError', 'withDPoPRetry'],
  '@oauthkit/browser': ['createBrowserClient'],
  '@oauthkit/node': ['createServerClient', 'createAccessTokenVerifier'],
  '@oauthkit/cli': ['deviceLogin', 'loopbackLogin', 'createFileStore'],
  '@oauthkit/devserver': ['startDevServer'],
  '@oauthkit/redis': ['createRedisStore', 'redisChannels'],
  '@oauthkit/react': [
    'AuthProvider',
    'RequireAuth',
    'useAccessToken',
    'useAuth',
    'useUser',
    'withAuthenticationRequired',
  ],
  oauthkit: ['discover', 'OAuthKitError'],
  'oauthkit/browser': ['createBrowserClient'],
  'oauthkit/browser/dpop': ['dpop'],
  '@oauthkit/browser/dpop': ['dpop'],
  '@oauthkit/browser/bff': ['createBffClient'],
  'oauthkit/browser/bff': ['createBffClient'],
  '@oauthkit/node/bff': ['createBff', 'toNodeHandler'],
  'oauthkit/node/bff': ['createBff', 'toNodeHandler'],
  'oauthkit/node': ['createServerClient'],
  'oauthkit/cli': ['deviceLogin'],
}

function exportsOf(specifier: string, loader: 'import' | 'require'): string[] {
  const load =
    loader === 'import'
      ? `const m = await import(${JSON.stringify(specifier)})`
      : `const m = require(${JSON.stringify(specifier)})`
  const code = `${load}; process.stdout.write(JSON.stringify(Object.keys(m)))`
  const out = execFileSync(
    process.execPath,
    ['--no-warnings', `--input-type=${loader === 'import' ? 'module' : 'commonjs'}`, '-e', code],
    { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
  )
  return JSON.parse(out) as string[]
}

// The names a .d.ts file built by tsup exports: its `export { a, b as c, type d }` lists.
function declaredExports(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8')
  const lists = [...text.matchAll(/^export \{([^}]*)\}/gm)].map((match) => match[1] ?? '')
  const items = lists.flatMap((list) => list.split(','))
  return items.map((item) => item.trim().split(' ').pop() ?? '').filter(Boolean)
}

describe('built packages', () => {
  // For Node, dist/bundle/index.js is the whole package in one module (one file for the ESM
  // loader, one copy of the module state), so the plumbing is on it at run time; the types keep
  // it off the public entry.
  it('@oauthkit/core keeps the plumbing of /internal off its public types', () => {
    const internal = declaredExports('packages/core/dist/bundle/internal.d.ts')
    expect(internal).toEqual(expect.arrayContaining(contract['@oauthkit/core/internal'] ?? []))
    const typed = declaredExports('packages/core/dist/bundle/index.d.ts')
    expect(typed).toEqual(expect.arrayContaining(contract['@oauthkit/core'] ?? []))
    expect(typed.filter((name) => internal.includes(name))).toEqual([])
  })

  // Runs `code` as an ES module in a fresh Node at the repository root; its standard output.
  const evalModule = (code: string) =>
    execFileSync(process.execPath, ['--input-type=module', '-e', code], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
    })

  it('@oauthkit/core and @oauthkit/core/internal are one module for Node', () => {
    const code =
      "const [a, b] = await Promise.all([import('@oauthkit/core'), import('@oauthkit/core/internal')]); " +
      'process.stdout.write(String(a === b))'
    expect(evalModule(code)).toBe('true')
  })

  // Each file costs Node's ESM loader a resolve, a read and a link (bench/import-time.mjs): the
  // `default` layout has one file per entry and no shared chunk; an entry that needs another
  // entry's code imports that entry's file.
  for (const dir of ['core', 'node', 'browser', 'cli', 'redis', 'react']) {
    it(`@oauthkit/${dir} loads in Node as one file per entry`, () => {
      const pkg = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'))
      const entries = new Set<string>(
        Object.values(pkg.exports as Record<string, { default?: string } | string>)
          .map((target) => (typeof target === 'string' ? '' : (target.default ?? '')))
          .filter((target) => target.endsWith('.js'))
          .map((target) => join(root, 'packages', dir, target)),
      )
      expect(entries.size).toBeGreaterThan(0)
      for (const entry of entries) {
        const text = readFileSync(entry, 'utf8')
        const relative = [...text.matchAll(/^(?:import|export)\b[^;]*?from\s*"(\.[^"]*)"/gm)]
        for (const [, target = ''] of relative) {
          expect(entries).toContain(join(entry, '..', target))
        }
      }
    })
  }

  // What runs at import is what every user pays for at start-up: no more of Node's own modules
  // than oauth4webapi loads (in Node 20, reading globalThis.Response loads undici, ~40 ms;
  // node:diagnostics_channel and node:crypto are loaded on first use).
  function builtinsLoadedBy(specifier: string): string[] {
    const code =
      'const before = new Set(process.moduleLoadList); ' +
      `await import(${JSON.stringify(specifier)}); ` +
      'const loaded = process.moduleLoadList.filter((m) => !before.has(m)); ' +
      // process.stdout itself loads node:net and more: read it only after the list is taken.
      'process.stdout.write(JSON.stringify(loaded))'
    const out = evalModule(code)
    return JSON.parse(out) as string[]
  }
  it('importing @oauthkit/core, /node or /browser loads no Node module that oauth4webapi does not', () => {
    const baseline = builtinsLoadedBy('oauth4webapi')
    expect(baseline.length).toBeGreaterThan(0)
    for (const specifier of ['@oauthkit/core', '@oauthkit/node', '@oauthkit/browser']) {
      const extra = builtinsLoadedBy(specifier).filter((name) => !baseline.includes(name))
      expect({ specifier, extra }).toEqual({ specifier, extra: [] })
    }
  })

  for (const [specifier, names] of Object.entries(contract)) {
    it(`${specifier} imports from ESM with its public names`, () => {
      expect(exportsOf(specifier, 'import')).toEqual(expect.arrayContaining(names))
    })
    it(`${specifier} loads with require() from CommonJS`, () => {
      expect(exportsOf(specifier, 'require')).toEqual(expect.arrayContaining(names))
    })
  }
})
