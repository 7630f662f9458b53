// Per runtime (Node 20/22/24, Bun, Deno, workerd), measured next to oauth4webapi in the same
// runtime and run, against the built packages packed and installed outside the workspace (as the
// runtime conformance suite does, test/runtimes):
// - cold import: a fresh process per sample doing nothing but `await import()`, timed inside it
//   (process start-up excluded), @oauthkit/node next to oauth4webapi, interleaved;
// - RFC 9068 verify() per second, one at a time, the same ES256 token: @oauthkit/node
//   (`verifiedTokenCache: false`: the signature checked on every call) next to oauth4webapi's
//   validateJwtAccessToken, interleaved rounds in one process per runtime.
// workerd has no clock that moves while code runs, so it is measured from outside: cold start is
// process start to first response of a worker bundling each module (the empty worker is the
// floor), and verifications per second are (N calls − 0 calls) timed over HTTP.
// Uses the built packages: run `npm run build` first. No budget: figures, not a gate.
import { execFile } from 'node:child_process'
import { cp } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { installPacked } from '../test/runtimes/helpers/install-packed.mjs'
import { startWorker } from '../test/runtimes/helpers/start-worker.mjs'
import { ensureRuntimeBinaries } from '../test/runtimes/preflight.mjs'
import { interleave, log, median, report, table } from './lib/harness.mjs'
import { startTokenServer } from './lib/token-server.mjs'

const run = promisify(execFile)
const IMPORT_ROUNDS = 10
const VERIFY_ROUNDS = 6
const WORKERD_ROUNDS = 7
const MODULES = ['oauth4webapi', '@oauthkit/node']
const VERIFIERS = ['oauth4webapi validateJwtAccessToken()', '@oauthkit/node verify()']

ensureRuntimeBinaries()
const { SCRIPT_RUNTIMES, WORKERD } = await import('../test/runtimes/helpers/script-runtimes.mjs')

const project = await installPacked()
for (const file of ['harness.mjs']) {
  await cp(fileURLToPath(new URL(`lib/${file}`, import.meta.url)), join(project.dir, file))
}
await cp(fileURLToPath(new URL('runtime', import.meta.url)), project.dir, { recursive: true })

const audience = 'https://api.example.com'
const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }
const server = await startTokenServer({ jwks: { keys: [jwk] } })
const now = Math.floor(Date.now() / 1000)
const token = await new SignJWT({
  sub: 'user-1',
  client_id: 'app',
  jti: crypto.randomUUID(),
  scope: 'read',
})
  .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
  .setIssuer(server.issuer)
  .setAudience(audience)
  .setIssuedAt(now)
  .setExpirationTime(now + 3600)
  .sign(privateKey)
const setup = JSON.stringify({ issuer: server.issuer, audience, token })

const probe = async (runtime, ...args) => {
  const { stdout } = await run(runtime.binary, [...runtime.args, 'probe.mjs', ...args], {
    cwd: project.dir,
    maxBuffer: 16 * 1024 * 1024,
  })
  return JSON.parse(stdout.trim().split('\n').at(-1))
}

/** Median ms from process start to the first answer of a worker bundling `entry`. */
async function workerdColdStart(entry) {
  const started = performance.now()
  const worker = await startWorker(WORKERD, project.dir, entry, { outfile: `${entry}.js` })
  const elapsed = performance.now() - started
  await worker.stop()
  return elapsed
}

async function workerdVerifyRates() {
  const worker = await startWorker(WORKERD, project.dir, 'worker.mjs', { outfile: 'bench.js' })
  const timed = async (candidate, n) => {
    const url = `${worker.url}/verify?n=${n}&candidate=${encodeURIComponent(candidate)}&setup=${encodeURIComponent(setup)}`
    const started = performance.now()
    const response = await fetch(url)
    if (!response.ok) throw new Error(`worker: ${await response.text()}`)
    await response.arrayBuffer()
    return performance.now() - started
  }
  try {
    const N = 400
    const candidates = Object.fromEntries(VERIFIERS.map((name) => [name, name]))
    return await interleave(candidates, {
      rounds: VERIFY_ROUNDS,
      warmup: 1,
      label: 'workerd verify',
      measure: async (name) => (N * 1000) / ((await timed(name, N)) - (await timed(name, 0))),
    })
  } finally {
    await worker.stop()
  }
}

const importRows = []
const verifyRows = []
try {
  for (const runtime of SCRIPT_RUNTIMES) {
    log(`${runtime.name}: cold import`)
    const imports = await interleave(Object.fromEntries(MODULES.map((name) => [name, name])), {
      rounds: IMPORT_ROUNDS,
      warmup: 1,
      label: runtime.name,
      measure: (name) => probe(runtime, 'import', name),
    })
    for (const name of MODULES)
      importRows.push({ runtime: runtime.name, name, samples: imports[name] })
    log(`${runtime.name}: verify()`)
    const rates = await probe(runtime, 'verify', setup, String(VERIFY_ROUNDS))
    for (const name of VERIFIERS)
      verifyRows.push({ runtime: runtime.name, name, samples: rates[name] })
  }
  log('workerd: cold start')
  const entries = {
    'empty worker (floor)': 'import-nothing.mjs',
    oauth4webapi: 'import-oauth4webapi.mjs',
    '@oauthkit/node': 'import-oauthkit.mjs',
  }
  const starts = await interleave(entries, {
    rounds: WORKERD_ROUNDS,
    warmup: 1,
    label: 'workerd start',
    measure: workerdColdStart,
  })
  log('workerd: verify()')
  const workerdRates = await workerdVerifyRates()
  for (const name of VERIFIERS)
    verifyRows.push({ runtime: 'workerd', name, samples: workerdRates[name] })

  const perRuntime = (rows, runtime) => rows.filter((row) => row.runtime === runtime)
  const tables = []
  for (const runtime of SCRIPT_RUNTIMES) {
    tables.push(
      table({
        title: `${runtime.name}: cold import (fresh process, \`await import()\` only)`,
        unit: 'ms',
        baseline: 'oauth4webapi',
        rows: perRuntime(importRows, runtime.name),
        notes: [`Medians of ${IMPORT_ROUNDS} fresh processes per module, interleaved.`],
      }),
    )
  }
  tables.push(
    table({
      title: 'workerd: cold start (process start to first response)',
      unit: 'ms',
      baseline: 'oauth4webapi',
      rows: Object.keys(entries).map((name) => ({ name, samples: starts[name] })),
      notes: [
        `Medians of ${WORKERD_ROUNDS} workerd starts per bundle, interleaved; includes workerd's own start (the empty worker), so differences are what each module adds.`,
      ],
    }),
  )
  for (const runtime of [...SCRIPT_RUNTIMES.map((r) => r.name), 'workerd']) {
    tables.push(
      table({
        title: `${runtime}: ES256 verifications per second (one at a time, same token)`,
        unit: 'verify/s',
        baseline: 'oauth4webapi validateJwtAccessToken()',
        higherIsBetter: true,
        rows: perRuntime(verifyRows, runtime),
        notes: [
          runtime === 'workerd'
            ? `Host-timed: ${VERIFY_ROUNDS} rounds of 400 calls in one request, minus the same request with 0 calls.`
            : `${VERIFY_ROUNDS} interleaved rounds of 250 ms in one ${runtime} process.`,
        ],
      }),
    )
  }
  report(...tables)
  log(
    `medians: ${importRows.map((row) => `${row.runtime} ${row.name} ${median(row.samples).toFixed(1)} ms`).join(', ')}`,
  )
} finally {
  await server.close()
  await project.remove()
}
