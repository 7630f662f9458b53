import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'

// @oauthkit/core's package.json `browser` field swaps network-reason.js for a stub in browser
// bundles: the table that names Node's and undici's socket error codes can never match a browser's
// failed fetch (a bare TypeError). Node, and bundles for Node, keep the table.
const root = fileURLToPath(new URL('../..', import.meta.url))

async function bundle(platform: 'browser' | 'node'): Promise<string> {
  const result = await build({
    stdin: {
      contents: `import { toOAuthKitError } from '@oauthkit/core'; console.log(toOAuthKitError)`,
      resolveDir: root,
      sourcefile: 'app.js',
      loader: 'js',
    },
    bundle: true,
    minify: true,
    format: 'esm',
    platform,
    target: 'es2022',
    // The per-module layout, as bundlers pick it.
    conditions: ['module'],
    external: ['oauth4webapi'],
    write: false,
    logLevel: 'error',
  })
  return result.outputFiles[0]?.text ?? ''
}

describe('@oauthkit/core network reasons', () => {
  it('a browser bundle leaves out the Node socket error table', async () => {
    const code = await bundle('browser')
    expect(code).toContain('ERR_NETWORK')
    expect(code).not.toContain('ECONNREFUSED')
  })

  it('a Node bundle keeps it', async () => {
    const code = await bundle('node')
    expect(code).toContain('ERR_NETWORK')
    expect(code).toContain('connection refused (nothing listens on that port)')
  })
})
