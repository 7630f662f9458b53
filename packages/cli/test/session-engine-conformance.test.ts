import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { sessionEngineScenarios } from '../../core/test/session-engine-conformance.js'
import { createFileSessionLock } from '../src/create-file-session-lock.js'
import { createFileSessionStore } from '../src/create-file-session-store.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oauthkit-conformance-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('session engine conformance: token file store + lock files', () => {
  for (const scenario of sessionEngineScenarios) {
    it(scenario.name, () =>
      scenario.run({
        async open(name) {
          const file = join(dir, name, 'tokens.json')
          // Each pair opens the file afresh, as another process would: only the file is shared.
          return {
            pair: () => ({
              store: createFileSessionStore(file),
              lock: createFileSessionLock(file),
            }),
          }
        },
      }),
    )
  }
})
