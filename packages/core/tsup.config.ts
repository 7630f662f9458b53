import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { Plugin } from 'esbuild'
import { defineConfig } from 'tsup'

const index = fileURLToPath(new URL('src/index.ts', import.meta.url))

// dist/bundle/index.js is the whole package in one module: src/index.ts with src/internal.ts's
// exports appended. package.json maps both `.` and `./internal` to it under `default`, so Node
// loads one file for both specifiers and one copy of the module state (OAuthKitError for
// `instanceof`, the shared JWKS and request-option caches). The internal helpers are on that
// module at run time; the types keep them off `@oauthkit/core` (index.d.ts is built from
// src/index.ts alone).
const withInternalExports: Plugin = {
  name: 'oauthkit-internal-exports',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]index\.ts$/ }, async (args) => {
      if (args.path !== index) return undefined
      const source = await readFile(index, 'utf8')
      return { contents: `${source}\nexport * from './internal.js'\n`, loader: 'ts' }
    })
  },
}

// Two layouts of the same ESM code (see the `module` and `default` conditions in package.json):
// - dist/modules: one file per source module, for bundlers (the `module` condition). With
//   `"sideEffects": false` a bundler drops every module an app does not use, exactly as from
//   source; in a single bundled file, module-level state (a shared cache, a `new TextDecoder()`)
//   would be kept with all it references.
// - dist/bundle: one file for the whole package, for Node and other runtimes that load the
//   package as is (`default`): each file costs Node's ESM loader a resolve, an asynchronous read
//   and a link, and a shared chunk plus a second entry cost @oauthkit/node's cold import about
//   2 ms of CPU time more than one file (bench/import-time.mjs).
export default defineConfig([
  {
    entry: ['src/**/*.ts'],
    bundle: false,
    outDir: 'dist/modules',
    format: ['esm'],
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform: 'neutral',
  },
  {
    entry: { index: 'src/index.ts' },
    esbuildPlugins: [withInternalExports],
    outDir: 'dist/bundle',
    format: ['esm'],
    dts: { entry: { index: 'src/index.ts', internal: 'src/internal.ts' } },
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform: 'neutral',
  },
])
