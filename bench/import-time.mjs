// Cold import time: a fresh Node process per sample that does nothing but `await import(name)`,
// timed inside the process (process start-up itself is not counted). The oauthkit packages are
// the built ones as a user's project has them: packed and installed outside the workspace
// (bench/lib/installed-packages.mjs); run `npm run build` first. The modules are sampled
// interleaved, 15 fresh processes each after one discarded warm-up round (file-system cache).
// Budget under --check: each @oauthkit entry imports in at most 3× the time of oauth4webapi, the
// protocol library it is built on, measured in the same run.
import { execFileSync } from 'node:child_process'
import { interleave, log, report, table } from './lib/harness.mjs'
import { builtPackages } from './lib/installed-packages.mjs'

const cwd = builtPackages()
const modules = ['oauth4webapi', '@oauthkit/node', '@oauthkit/browser', 'jose', 'openid-client']
const BUDGET = 3
const ROUNDS = 15

const script = (name) =>
  `const t = performance.now(); await import(${JSON.stringify(name)}); ` +
  'process.stdout.write(String(performance.now() - t))'

function sample(name) {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script(name)], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return Number(out)
}

log(`import-time: ${modules.length} modules × ${ROUNDS} fresh processes`)
const candidates = Object.fromEntries(modules.map((name) => [name, name]))
const samples = await interleave(candidates, {
  rounds: ROUNDS,
  warmup: 1,
  label: 'import',
  measure: (name) => sample(name),
})

report(
  table({
    title: 'Cold import time (fresh process, `await import()` only)',
    unit: 'ms',
    baseline: 'oauth4webapi',
    rows: modules.map((name) => ({ name, samples: samples[name] })),
    budget: { row: ['@oauthkit/node', '@oauthkit/browser'], max: BUDGET },
    notes: [
      `Medians of ${ROUNDS} fresh \`node\` processes per module, interleaved; the clock starts just before ` +
        '`await import()` inside the process, so Node start-up is excluded.',
    ],
  }),
)
