import type { TestProject } from 'vitest/node'
import { installPacked } from './helpers/install-packed.mjs'
import { assertFirefox, ensureRuntimeBinaries } from './preflight.mjs'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The throwaway project with the packed packages and the scenario files. */
    runtimesProject: string
  }
}

/**
 * Checks the runtimes are there (as `npm test` did first), then packs and installs the built
 * packages once for every runtime test file.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  assertFirefox()
  ensureRuntimeBinaries()
  const installed = await installPacked()
  project.provide('runtimesProject', installed.dir)
  return () => installed.remove()
}
