import { defineConfig } from 'tsup'

// Two layouts of the same ESM code (see the `module` and `default` conditions in package.json):
// - dist/modules: one file per source module, for bundlers (the `module` condition). With
//   `"sideEffects": false` a bundler drops every module an app does not use, exactly as from
//   source; in a single bundled file, module-level state (a shared cache, a `new TextDecoder()`)
//   would be kept with all it references.
// - dist/bundle: one file per entry plus one shared chunk, for Node and other runtimes that load
//   the package as is (`default`): each file costs Node's ESM loader a resolve, read and link,
//   so thirty small files import several times slower than one.
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
    entry: ['src/index.ts', 'src/internal.ts'],
    outDir: 'dist/bundle',
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform: 'neutral',
  },
])
