// Runs every benchmark in bench/ (each a plain script that prints markdown tables comparing
// oauthkit with a baseline measured in the same run), one after another so they never compete
// for the two cores, and collects their output in bench/results/latest.md.
// `--check` is passed on: a benchmark that has a budget exits non-zero when it is broken.
// Benchmarks load the built packages: run `npm run build` first (npm run bench does). They are
// packed and installed outside the workspace once here (bench/lib/installed-packages.mjs), and
// every script is told where in OAUTHKIT_BENCH_INSTALL.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { installBuiltPackages } from './lib/installed-packages.mjs'

const dir = new URL('.', import.meta.url).pathname
const check = process.argv.includes('--check')
const only = process.argv.slice(2).filter((arg) => !arg.startsWith('--'))
const scripts = readdirSync(dir)
  .filter((file) => file.endsWith('.mjs') && file !== 'run.mjs' && !file.startsWith('.'))
  .filter((file) => only.length === 0 || only.some((name) => file.includes(name)))
  .sort()

const installed = installBuiltPackages({ keep: true })
process.on('exit', () => rmSync(installed, { recursive: true, force: true }))
const env = { ...process.env, OAUTHKIT_BENCH_INSTALL: installed }

const sections = [`# Benchmarks\n\n${new Date().toISOString()} · Node ${process.version}\n`]
let failed = 0
for (const script of scripts) {
  const started = Date.now()
  console.log(`\n## ${script}\n`)
  const result = spawnSync(process.execPath, [join(dir, script), ...(check ? ['--check'] : [])], {
    encoding: 'utf8',
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  })
  process.stdout.write(result.stdout)
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  const status = result.status === 0 ? 'ok' : `FAILED (exit ${result.status})`
  if (result.status !== 0) failed++
  sections.push(`## ${script} — ${status}, ${seconds} s\n\n${result.stdout.trim()}\n`)
}
mkdirSync(join(dir, 'results'), { recursive: true })
writeFileSync(join(dir, 'results', 'latest.md'), `${sections.join('\n')}\n`)
console.log(`\nwrote bench/results/latest.md (${scripts.length} benchmarks, ${failed} failed)`)
if (failed > 0) process.exit(1)
