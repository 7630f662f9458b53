import { mkdirSync, writeFileSync } from 'node:fs'
import type { Reporter, TestModule } from 'vitest/node'

/**
 * Closes a test run with one plain line, `Tests: N passed, N failed, N skipped`, on stdout and in
 * `test-results/summary.txt`, so a CI log can be judged by its last line whatever the runner.
 * A run that executed no test, or hit unhandled errors, says so and counts as failed.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>) {
    const counts = { passed: 0, failed: 0, skipped: 0 }
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state
        if (state === 'passed') counts.passed++
        else if (state === 'failed') counts.failed++
        else counts.skipped++
      }
      // A file that failed to load has no tests but did fail.
      if (module.state() === 'failed' && module.children.size === 0) counts.failed++
    }
    counts.failed += unhandledErrors.length
    const line = `Tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`
    mkdirSync('test-results', { recursive: true })
    writeFileSync('test-results/summary.txt', `${line}\n`)
    process.stdout.write(`\n${line}\n`)
  }
}
