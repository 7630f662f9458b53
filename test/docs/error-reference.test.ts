/**
 * docs/errors.md has a row for every code the packages can raise: each member of the closed
 * `OAuthKitErrorCode` union (oauth4webapi's pass-through codes included) and every `ERR_*`
 * literal in the packages' sources, so a new code without a line fails here.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import * as oauth from 'oauth4webapi'
import { describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '../..')
const reference = readFileSync(join(root, 'docs', 'errors.md'), 'utf8')
const documented = new Set(
  [...reference.matchAll(/^\| `([A-Z0-9_*]+)`\s*\|/gm)].map(([, code]) => code as string),
)

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
}

function isDocumented(code: string): boolean {
  return (
    documented.has(code) ||
    (code.startsWith('ERR_PARSE_ARGS') && documented.has('ERR_PARSE_ARGS_*'))
  )
}

describe('docs/errors.md', () => {
  it('has a row for every member of OAuthKitErrorCode', () => {
    const errors = readFileSync(join(root, 'packages/core/src/errors.ts'), 'utf8')
    const union = errors.slice(errors.indexOf('export type OAuth4WebApiErrorCode'))
    const own = [...union.matchAll(/\| '([A-Z_]+)'/g)].map(([, code]) => code as string)
    const passedThrough = [...union.matchAll(/typeof oauth\.([A-Z_]+)/g)].map(
      ([, name]) => (oauth as unknown as Record<string, string>)[name as string] as string,
    )
    expect(own.length).toBeGreaterThan(30)
    expect(passedThrough.length).toBeGreaterThan(10)
    expect([...own, ...passedThrough].filter((code) => !isDocumented(code))).toEqual([])
  })

  it('has a row for every ERR_* code written in a package source', () => {
    const literals = new Set<string>()
    for (const file of sources(join(root, 'packages'))) {
      // Sources only: a stale dist/*.d.ts may still name a code that is gone.
      if (file.includes('node_modules') || file.includes('/test/') || file.includes('/dist/')) {
        continue
      }
      for (const [, code] of readFileSync(file, 'utf8').matchAll(/'(ERR_[A-Z_]+)'/g)) {
        literals.add(code as string)
      }
    }
    expect(literals.size).toBeGreaterThan(30)
    // Prefixes a source matches on, not codes of their own.
    const prefixes = new Set(['ERR_INVALID_ARG', 'ERR_PARSE_ARGS', 'ERR_STORE'])
    // jose's own codes, read by the JWE decryptor and mapped to ERR_JWE_*: never raised as such.
    const foreign = (code: string) => code.startsWith('ERR_JOSE_')
    expect(
      [...literals].filter((code) => !prefixes.has(code) && !foreign(code) && !isDocumented(code)),
    ).toEqual([])
  })
})
