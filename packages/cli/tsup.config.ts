import { defineConfig } from 'tsup'

// One file per entry, no chunk shared by the two: `import '@oauthkit/cli'` loads one file (each
// file costs Node's ESM loader a resolve, a read and a link; see bench/import-time.mjs), and the
// `oauthkit` command (bin.js, a process of its own that never loads index.js) loads one too.
export default defineConfig({
  entry: ['src/index.ts', 'src/bin.ts'],
  splitting: false,
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'node',
})
