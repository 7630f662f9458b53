import { defineConfig } from 'tsup'

// One output file per source file (no bundling, no shared chunk): `"sideEffects": false` then
// lets an app's bundler drop every module it does not use, exactly as it does from source. A
// bundled dist puts all modules in one file, where a module-level `new TextDecoder()` or a cache
// built by a call is kept (and with it what it references) even when nothing uses it.
export default defineConfig({
  entry: ['src/**/*.ts'],
  bundle: false,
  format: ['esm'],
  dts: { entry: ['src/index.ts', 'src/internal.ts'] },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
})
