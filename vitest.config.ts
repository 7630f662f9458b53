import { defineConfig, defineProject } from 'vitest/config'

// In-repo packages resolve to their TypeScript source through the `@oauthkit/source` export
// condition, so tests never need a build first. Published consumers resolve `dist`.
const conditions = ['@oauthkit/source', 'module', 'node', 'import', 'default']
const browserConditions = ['@oauthkit/source', 'module', 'browser', 'import', 'default']

const unit = (name: string, environment: 'node' | 'happy-dom' = 'node') =>
  defineProject({
    resolve: { conditions: environment === 'node' ? conditions : browserConditions },
    ssr: { resolve: { conditions, externalConditions: ['@oauthkit/source'] } },
    test: {
      name,
      environment,
      include: [`packages/${name}/test/**/*.test.{ts,tsx}`],
      // Unit tests that start a devserver generate RSA keys: 5 s is tight on a loaded 2-core box.
      testTimeout: 15_000,
      setupFiles: environment === 'happy-dom' ? ['packages/browser/test/setup.ts'] : [],
    },
  })

const suite = (dir: string, name = dir, timeout = 30_000) =>
  defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@oauthkit/source'] } },
    test: {
      name,
      environment: 'node',
      include: [`test/${dir}/**/*.test.ts`],
      testTimeout: timeout,
      hookTimeout: timeout * 2,
    },
  })

export default defineConfig({
  test: {
    reporters: ['default', './scripts/summary-reporter.ts'],
    projects: [
      unit('core'),
      unit('browser', 'happy-dom'),
      unit('node'),
      unit('cli'),
      unit('devserver'),
      unit('redis'),
      unit('react', 'happy-dom'),
      suite('e2e'),
      suite('security'),
      suite('browser', 'chromium', 60_000),
      suite('packaging', 'packaging', 60_000),
      suite('docs', 'docs', 120_000),
      // The runtime matrix (test/runtimes): built packages in Node 20/22/24, Bun, Deno, workerd,
      // Chromium and Firefox. Its global setup packs and installs the packages once.
      defineProject({
        resolve: { conditions },
        ssr: { resolve: { conditions, externalConditions: ['@oauthkit/source'] } },
        test: {
          name: 'runtimes',
          environment: 'node',
          include: ['test/runtimes/**/*.test.ts'],
          globalSetup: ['test/runtimes/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      }),
      defineProject({
        resolve: { conditions },
        ssr: { resolve: { conditions, externalConditions: ['@oauthkit/source'] } },
        test: {
          name: 'playground',
          environment: 'node',
          include: ['playground/test/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      }),
    ],
  },
})
