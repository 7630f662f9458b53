// `npm install` runs this (the root `prepare` script) so that the bins work right after a fresh
// clone: they load `dist/`, which does not exist yet. It builds the JavaScript only when a bin's
// target is missing. `npm pack` (publint, the benchmarks, the fresh-clone test) runs `prepare`
// too: rebuilding there would clean `dist/` and drop the type declarations `npm run build` made.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const targets = ['packages/cli/dist/bin.js', 'packages/devserver/dist/bin.js']
const root = new URL('..', import.meta.url)
if (!targets.every((target) => existsSync(new URL(target, root)))) {
  execFileSync('npm', ['run', 'build:js'], { cwd: root, stdio: 'inherit' })
}
