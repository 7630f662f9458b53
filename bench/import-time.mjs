// Cold import time: a fresh Node process per sample that does nothing but `await import(name)`,
// timed inside the process (process start-up itself is not counted). The oauthkit packages are
// the built ones as a user's project has them: packed and installed outside the workspace
// (bench/lib/installed-packages.mjs); run `npm run build` first. The modules are sampled
// interleaved, ROUNDS fresh processes each after one discarded warm-up round (file-system cache).
//
// Two figures per sample: wall-clock time, what a user waits for, and the CPU time the process
// spent (process.cpuUsage, all threads), which a loaded machine disturbs far less: on a busy
// 2-core box wall-clock medians move by 2x between runs, CPU time by a few percent.
//
// Budget under --check, on CPU time: each @oauthkit entry imports in at most BUDGET times
// oauth4webapi, the protocol library it is built on, measured in the same run.
// Why 2.25x and not the 1.3x target: an import costs per package and per file (Node's ESM loader
// resolves each bare specifier through a package.json `exports` map, then reads, compiles and
// links each file), and by the code it compiles. oauth4webapi is one file of one package.
// @oauthkit/node loads two more (its own dist/bundle/index.js, 29 KB, and core's, 98 KB, which
// both `@oauthkit/core` and `@oauthkit/core/internal` map to), @oauthkit/browser core's and its
// own plus idb-keyval. Six runs on the loaded 2-core box (medians of 25, ratio to oauth4webapi
// in the same run; the ratios grow with the load, the last two ran busiest): @oauthkit/core
// 1.43-1.62x, @oauthkit/node 1.60/1.70/1.73/1.69/1.69/1.80x, @oauthkit/browser
// 1.66/1.69/1.74/1.79/1.85/1.83x; the first fresh-clone CI run of the round 1.53x, 1.69x and
// 1.80x. 2.25x leaves a CI machine a quarter of headroom over the busiest run; growth beyond it
// fails (the layout before this round measured 2.6-2.76x).
// Where core's ~7 ms over oauth4webapi go (measured apart):
// ~3 ms for a second package at all (an empty package importing oauth4webapi measured 1.17x: the
// second `exports` resolution, one more file read and link), ~2 ms compiling its 98 KB, ~0.5 ms
// running its top level, the rest loader work per file; @oauthkit/node adds ~3 ms more (its file
// and top level). Before this layout (node's entry plus a chunk shared with /bff, core's two
// entries plus a shared chunk: five files) @oauthkit/node measured 2.6-2.76x; it also loaded
// node:diagnostics_channel at import. Getting to 1.3x needs less code compiled at import (core
// as one package of 98 KB is most of the gap), not fewer files: there is one per package now.
import { execFileSync } from 'node:child_process'
import { interleave, log, report, table } from './lib/harness.mjs'
import { builtPackages } from './lib/installed-packages.mjs'

const cwd = builtPackages()
// @oauthkit/core is not under the budget: it is the row that shows what @oauthkit/node and
// @oauthkit/browser pay for the shared layer before their own code.
const modules = [
  'oauth4webapi',
  '@oauthkit/core',
  '@oauthkit/node',
  '@oauthkit/browser',
  'jose',
  'openid-client',
]
const BUDGET = 2.25
const ROUNDS = 25

const script = (name) =>
  'const t = performance.now(); const c = process.cpuUsage(); ' +
  `await import(${JSON.stringify(name)}); const u = process.cpuUsage(c); ` +
  'process.stdout.write(JSON.stringify([performance.now() - t, (u.user + u.system) / 1000]))'

function sample(name) {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script(name)], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return JSON.parse(out)
}

log(`import-time: ${modules.length} modules × ${ROUNDS} fresh processes`)
const candidates = Object.fromEntries(modules.map((name) => [name, name]))
const samples = await interleave(candidates, {
  rounds: ROUNDS,
  warmup: 1,
  label: 'import',
  measure: (name) => sample(name),
})
const rows = (index) =>
  modules.map((name) => ({ name, samples: samples[name].map((pair) => pair[index]) }))
const notes = [
  `Medians of ${ROUNDS} fresh \`node\` processes per module, interleaved; the clock starts just before ` +
    '`await import()` inside the process, so Node start-up is excluded. The oauthkit packages are ' +
    'the packed tarballs installed outside the workspace.',
]

report(
  table({
    title: 'Cold import CPU time (fresh process, `await import()` only)',
    unit: 'ms CPU',
    baseline: 'oauth4webapi',
    rows: rows(1),
    budget: { row: ['@oauthkit/node', '@oauthkit/browser'], max: BUDGET },
    notes,
  }),
  table({
    title: 'Cold import wall-clock time (same processes)',
    unit: 'ms',
    baseline: 'oauth4webapi',
    rows: rows(0),
    notes,
  }),
)
