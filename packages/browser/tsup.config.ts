import { defineConfig } from 'tsup'

// Two layouts of the same ESM code, as in @oauthkit/core (see its tsup.config.ts): one file per
// module for bundlers (dist/modules, the `module` condition: unused modules are dropped), one
// file per entry for Node (dist/bundle, `default`: fewer files for the ESM loader to import).
export default defineConfig([
  {
    entry: ['src/**/*.ts'],
    bundle: false,
    outDir: 'dist/modules',
    format: ['esm'],
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform: 'browser',
  },
  {
    entry: ['src/index.ts', 'src/dpop.ts', 'src/bff.ts'],
    outDir: 'dist/bundle',
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform: 'browser',
  },
])
