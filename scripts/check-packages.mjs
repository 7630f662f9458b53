// Packaging check for every published package: publint (package.json, exports, files) and
// @arethetypeswrong/cli (types resolve for every consumer). Run after `npm run build`.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const dirs = ['.', ...JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces]
let failed = 0
for (const dir of dirs) {
  const cwd = join(root, dir)
  const { name } = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8'))
  for (const [tool, args] of [
    ['publint', ['--strict']],
    // ESM-only on purpose (Node >= 20.19 can require() ESM), so CJS-only resolutions are not ours.
    ['attw', ['--pack', '.', '--profile', 'esm-only', '--format', 'table-flipped']],
  ]) {
    try {
      execFileSync(join(root, 'node_modules/.bin', tool), args, { cwd, stdio: 'pipe' })
      console.log(`ok    ${tool.padEnd(8)} ${name}`)
    } catch (err) {
      failed++
      console.log(`FAIL  ${tool.padEnd(8)} ${name}\n${err.stdout}${err.stderr}`)
    }
  }
}
if (failed > 0) {
  console.error(`${failed} packaging check(s) failed`)
  process.exit(1)
}
