import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'browser',
  // The application's React, never a copy: two Reacts break hooks.
  external: ['react', 'react/jsx-runtime'],
})
