import { defineConfig } from 'tsup'

// The umbrella package `oauthkit` only re-exports the workspace packages, which stay external.
export default defineConfig({
  entry: [
    'src/index.ts',
    'src/browser.ts',
    'src/browser-dpop.ts',
    'src/browser-bff.ts',
    'src/node.ts',
    'src/node-bff.ts',
    'src/cli.ts',
  ],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
})
