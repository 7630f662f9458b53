import { createMemorySessionStore, createProcessLock } from '@oauthkit/core'
import { describe, it } from 'vitest'
import { sessionEngineScenarios } from './session-engine-conformance.js'

describe('session engine conformance: memory store + process lock', () => {
  for (const scenario of sessionEngineScenarios) {
    it(scenario.name, () =>
      scenario.run({
        async open() {
          // One store and one lock stand for the shared state; each pair is an engine's view.
          const store = createMemorySessionStore()
          const lock = createProcessLock()
          return { pair: () => ({ store, lock }) }
        },
      }),
    )
  }
})
