import { dirname, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Plugin } from 'esbuild'
import { defineConfig } from 'tsup'

const bff = fileURLToPath(new URL('src/bff/', import.meta.url))

// In dist/bundle, @oauthkit/node/bff takes what it uses from the rest of the package
// (createServerClient) from the main entry's file, `../index.js`, instead of a chunk shared by
// both entries: `import '@oauthkit/node'` then loads one file, and the bff entry uses the same
// module, not a copy. Whatever the bff modules import from outside src/bff/ must therefore be
// exported by src/index.ts (test/packaging imports both entries from the built package).
const bffFromMainEntry: Plugin = {
  name: 'oauthkit-bff-from-main-entry',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (!args.importer.startsWith(bff)) return undefined
      const target = resolve(dirname(args.importer), args.path)
      if (!relative(bff, target).startsWith(`..${sep}`)) return undefined
      return { path: '../index.js', external: true }
    })
  },
}

// Two layouts of the same ESM code, as in @oauthkit/core (see its tsup.config.ts): one file per
// module for bundlers (dist/modules, the `module` condition: unused modules are dropped), one
// file per entry for Node (dist/bundle, `default`: each file costs Node's ESM loader a resolve,
// a read and a link; the main entry and a chunk shared with the bff entry imported ~13 ms of CPU
// time slower than one file, bench/import-time.mjs).
export default defineConfig([
  {
    entry: ['src/**/*.ts'],
    bundle: false,
    outDir: 'dist/modules',
    format: ['esm'],
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform: 'node',
  },
  {
    entry: { index: 'src/index.ts', 'bff/index': 'src/bff/index.ts' },
    esbuildPlugins: [bffFromMainEntry],
    outDir: 'dist/bundle',
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform: 'node',
  },
])
