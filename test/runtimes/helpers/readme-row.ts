import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8')

/**
 * The cells of the README's compatibility-table row for `runtime` (first cell equal to it), so
 * the suite can check that the table names the versions it actually ran.
 */
export function readmeRow(runtime: string): string[] | undefined {
  const section = readme.split(/^## /m).find((part) => part.startsWith('Compatibility'))
  for (const line of section?.split('\n') ?? []) {
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim())
    if (cells[0] === runtime) return cells
  }
  return undefined
}
