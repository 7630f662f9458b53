import { statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const modules = fileURLToPath(new URL('../binaries/node_modules/', import.meta.url))

/**
 * The executable of a runtime installed in test/runtimes/binaries: the first candidate path that
 * is a real binary. The wrappers' postinstall steps (when npm runs them) move the executable from
 * the platform package into the wrapper (Bun) or copy it (Deno, workerd); without them it stays
 * in the platform package. Either way the platform package is what the lockfile pins.
 *
 * @param {...string} candidates - paths inside test/runtimes/binaries/node_modules
 * @returns {string}
 */
export function runtimeBinary(...candidates) {
  for (const candidate of candidates) {
    const path = `${modules}${candidate}`
    // A real executable is megabytes; the wrappers ship small placeholders in the same places.
    if ((statSync(path, { throwIfNoEntry: false })?.size ?? 0) > 1_000_000) return path
  }
  throw new Error(
    `none of ${candidates.join(', ')} is installed in test/runtimes/binaries: run \`node test/runtimes/preflight.mjs\``,
  )
}
