import { beforeAll, describe, expect, inject, it } from 'vitest'
import { limit } from './helpers/limit.js'
import { readmeRow } from './helpers/readme-row.js'
import { type ScenarioResult, SERVER_RUNTIMES } from './helpers/server-runtimes.js'
import { startReferee } from './helpers/start-referee.js'
import { SERVER_SCENARIOS } from './scenarios/server-scenarios.mjs'

// The server-side matrix: the scenarios of scenarios/server-scenarios.mjs, unmodified, in every
// runtime, each against the built packages (packed and installed outside the workspace by
// global-setup.ts) and its own devserver. Runtimes run two at a time, all started before the
// first test, so the file takes about as long as its two slowest runtimes.
interface Outcome {
  version: string
  results: ScenarioResult[]
}

const outcomes = new Map<string, Promise<Outcome>>()

beforeAll(() => {
  const dir = inject('runtimesProject')
  const runs = limit(
    SERVER_RUNTIMES.map((runtime) => async (): Promise<Outcome> => {
      const referee = await startReferee()
      try {
        const [version, results] = await Promise.all([
          runtime.version(),
          runtime.run(dir, referee.url),
        ])
        return { version, results }
      } finally {
        await referee.close()
      }
    }),
    2,
  )
  SERVER_RUNTIMES.forEach((runtime, i) => {
    const outcome = runs[i] as Promise<Outcome>
    outcome.catch(() => {}) // reported by the tests that await it
    outcomes.set(runtime.name, outcome)
  })
})

describe.each(SERVER_RUNTIMES.map((runtime) => [runtime.name, runtime] as const))('%s', (name) => {
  it('runs every scenario, and its version is the one in the README table', async () => {
    const { version, results } = (await outcomes.get(name)) as Outcome
    expect(results.map((result) => result.name)).toEqual(SERVER_SCENARIOS)
    expect(readmeRow(name)?.[1]).toBe(version)
  })

  it.each(SERVER_SCENARIOS)('%s', async (scenario) => {
    const { results } = (await outcomes.get(name)) as Outcome
    const result = results.find((entry) => entry.name === scenario)
    expect(result?.error).toBeUndefined()
    expect(result?.ok).toBe(true)
  })
})
