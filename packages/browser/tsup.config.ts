import { defineConfig } from 'tsup'

// One output file per source file (no bundling, no shared chunk), so that `"sideEffects": false`
// lets an app's bundler drop every module it does not use, as it does from source.
export default defineConfig({
  entry: ['src/**/*.ts'],
  bundle: false,
  format: ['esm'],
  dts: { entry: ['src/index.ts', 'src/dpop.ts'] },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'browser',
})
