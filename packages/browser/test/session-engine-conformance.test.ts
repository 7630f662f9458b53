// The session engine's conformance scenarios (written once in core) on the browser's adapters:
// IndexedDB (fake-indexeddb here, under happy-dom) through toSessionStore, and createWebLock over
// the fake lock manager. test/browser runs the same scenarios on the real IndexedDB and Web Locks
// in Chromium.
import 'fake-indexeddb/auto'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { sessionEngineScenarios } from '../../core/test/session-engine-conformance.js'
import { createIndexedDbStore, createWebLock, toSessionStore } from '../src/index.js'
import { installFakeLockManager } from './helpers/fake-lock-manager.js'

let uninstall: () => void
beforeAll(() => {
  uninstall = installFakeLockManager()
})
afterAll(() => uninstall())

describe('session engine conformance: IndexedDB + Web Locks (fake-indexeddb, fake lock manager)', () => {
  for (const scenario of sessionEngineScenarios) {
    it(scenario.name, () =>
      scenario.run({
        async open(name) {
          // Every pair opens the same database, as two tabs of one origin do.
          const databaseName = `oauthkit-conformance-${name}-${crypto.randomUUID()}`
          return {
            pair: () => ({
              store: toSessionStore(createIndexedDbStore(databaseName)),
              lock: createWebLock(),
            }),
          }
        },
      }),
    )
  }
})
