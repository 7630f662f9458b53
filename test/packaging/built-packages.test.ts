import { execFileSync } from 'node:child_process'
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

describe('built packages', () => {
  it('@oauthkit/core keeps the plumbing of /internal off its public entry', () => {
    const internal = exportsOf('@oauthkit/core/internal', 'import')
    const exposed = exportsOf('@oauthkit/core', 'import').filter((name) => internal.includes(name))
    expect(exposed).toEqual([])
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
