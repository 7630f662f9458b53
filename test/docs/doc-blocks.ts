import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

/** One fenced code block of a Markdown document. */
export interface DocBlock {
  /** `README.md:25`: the file, relative to the repository, and the fence's line. */
  name: string
  /** The language, the fence's first word: `ts`, `sh`, `json`... */
  language: string
  /** The rest of the fence line: `browser`, `no-run — why`. */
  attributes: string
  code: string
}

/**
 * Every Markdown document a user reads, found by pattern so that new packages and docs are
 * covered without touching the test: the root README, `packages/<name>/README.md`, `docs/*.md`.
 */
export function docFiles(root: string): string[] {
  const packages = readdirSync(join(root, 'packages'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(root, 'packages', entry.name, 'README.md'))
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(root, 'docs', name))
  return [join(root, 'README.md'), ...packages, ...docs].filter((path) => {
    try {
      return readFileSync(path, 'utf8').length >= 0
    } catch {
      return false
    }
  })
}

/** The fenced blocks (``` or ~~~, CommonMark) of `path`, in order. */
export function docBlocks(root: string, path: string): DocBlock[] {
  const lines = readFileSync(path, 'utf8').split('\n')
  const blocks: DocBlock[] = []
  let open: { fence: string; line: number; info: string; code: string[] } | undefined
  for (const [index, line] of lines.entries()) {
    if (!open) {
      const start = /^\s{0,3}(`{3,}|~{3,})(.*)$/.exec(line)
      if (start)
        open = { fence: start[1] ?? '```', line: index + 1, info: start[2] ?? '', code: [] }
      continue
    }
    if (line.trim().startsWith(open.fence) && line.trim().replace(/[`~]/g, '') === '') {
      const [language = '', ...rest] = open.info.trim().split(/\s+/)
      blocks.push({
        name: `${relative(root, path)}:${open.line}`,
        language,
        attributes: rest.join(' '),
        code: open.code.join('\n'),
      })
      open = undefined
      continue
    }
    open.code.push(line)
  }
  return blocks
}

/** Whether the fence says the block is not meant to run, and why (a reason is required). */
export function notRun(block: DocBlock): { reason: string } | undefined {
  const match = /^no-run\b\s*(?:[—:-]\s*)?(.*)$/.exec(block.attributes)
  return match ? { reason: match[1] ?? '' } : undefined
}
