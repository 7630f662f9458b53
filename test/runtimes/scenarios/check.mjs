// Assertions for the runtime scenarios: plain JavaScript with no dependency, so the same file runs
// in Node, Bun, Deno, workerd and browsers. A failure throws with what was expected and found.

/**
 * Throws unless `actual` and `expected` are the same (`Object.is`, or equal JSON for objects).
 * @param {unknown} actual
 * @param {unknown} expected
 * @param {string} what - names the value in the failure message
 */
export function equal(actual, expected, what) {
  const same =
    typeof expected === 'object' && expected !== null
      ? JSON.stringify(actual) === JSON.stringify(expected)
      : Object.is(actual, expected)
  if (!same) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
  }
}

/**
 * Throws unless `condition` holds.
 * @param {unknown} condition
 * @param {string} what - the claim that did not hold
 */
export function ok(condition, what) {
  if (!condition) throw new Error(`not true: ${what}`)
}

/**
 * Resolves the error `promise` rejects with; throws if it fulfils.
 * @param {Promise<unknown>} promise
 * @param {string} what
 * @returns {Promise<any>}
 */
export async function rejects(promise, what) {
  try {
    await promise
  } catch (err) {
    return err
  }
  throw new Error(`expected a rejection: ${what}`)
}

/**
 * Runs each scenario in turn and reports every outcome, so one failure does not hide the rest.
 * @param {Record<string, () => Promise<void>>} scenarios
 * @returns {Promise<{ name: string, ok: boolean, ms: number, error?: string }[]>}
 */
export async function runAll(scenarios) {
  const results = []
  for (const [name, scenario] of Object.entries(scenarios)) {
    const started = Date.now()
    try {
      await scenario()
      results.push({ name, ok: true, ms: Date.now() - started })
    } catch (err) {
      const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
      const code = /** @type {{ code?: string }} */ (err)?.code
      results.push({
        name,
        ok: false,
        ms: Date.now() - started,
        error: code ? `${error} [${code}]` : error,
      })
    }
  }
  return results
}
