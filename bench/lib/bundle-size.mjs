// Bundles an app given as source text with esbuild (minified ESM for browsers, es2022,
// tree-shaken, every dependency included) and measures it: minified, gzip -9 and brotli 11 bytes,
// and the minified bytes each package and each module contributes. Shared by browser-size.mjs,
// bff-client-size.mjs and react-size.mjs.
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('../..', import.meta.url))

/**
 * @param {string} name the row's name
 * @param {string} contents the app's source
 * @param {import('esbuild').BuildOptions & { loader?: import('esbuild').Loader, resolveDir?: string }} [options]
 *   extra esbuild options (`conditions`, `jsx`, `define`…); `loader` is the source's loader and
 *   `resolveDir` where its imports resolve from (default: the repository, so the workspace)
 */
export async function measureBundle(
  name,
  contents,
  { loader = 'js', resolveDir = root, ...options } = {},
) {
  const result = await build({
    stdin: { contents, resolveDir, sourcefile: `app.${loader}`, loader },
    bundle: true,
    minify: true,
    treeShaking: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    legalComments: 'none',
    write: false,
    metafile: true,
    logLevel: 'error',
    ...options,
  })
  const code = result.outputFiles[0].contents
  const inputs = Object.values(result.metafile.outputs)[0].inputs
  const byPackage = {}
  const byModule = {}
  for (const [path, { bytesInOutput }] of Object.entries(inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)|packages\/([^/]+)/.exec(path)
    const key = match ? (match[1] ?? `@oauthkit/${match[2]}`) : 'app'
    byPackage[key] = (byPackage[key] ?? 0) + bytesInOutput
    const file = /(?:node_modules\/(?:@[^/]+\/)?[^/]+|packages\/[^/]+)\/(.*)$/.exec(path)
    byModule[file ? `${key}/${file[1]}` : key] = bytesInOutput
  }
  return {
    name,
    min: code.length,
    gzip: gzipSync(code, { level: 9 }).length,
    brotli: brotliCompressSync(code, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: code.length,
      },
    }).length,
    byPackage,
    byModule,
  }
}
