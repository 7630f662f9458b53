import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { build } from 'esbuild'

async function freePort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address())
  await new Promise((resolve) => server.close(resolve))
  return port
}

// workerd's own configuration format (Cap'n Proto text). No `nodejs_compat` flag: the worker gets
// only what every edge runtime has. Its default global outbound refuses loopback addresses, so
// fetches go through a network service that allows `local` (the devserver is 127.0.0.1).
const workerdConfig = (port, outfile) => `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "loopback", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [(name = "${outfile}", esModule = embed "${outfile}")],
  compatibilityDate = "2026-11-01",
  globalOutbound = "loopback",
);
`

/**
 * Bundles `entry` (relative to the installed project `dir`) for workerd the way Wrangler does
 * (esbuild, the `workerd`/`worker`/`browser` export conditions, no Node built-ins), writes the
 * configuration, starts workerd on a free port and resolves once it answers.
 *
 * @param {string} binary - the workerd executable
 * @param {string} dir - the installed project
 * @param {string} entry - the worker's module, relative to `dir`
 * @param {{ outfile?: string }} [options] - where the bundle goes in `dir`
 * @returns {Promise<{ url: string, stop(): Promise<void> }>}
 */
export async function startWorker(binary, dir, entry, { outfile = 'worker.js' } = {}) {
  await build({
    entryPoints: [join(dir, entry)],
    outfile: join(dir, outfile),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['browser', 'module', 'main'],
    logLevel: 'silent',
  })
  const port = await freePort()
  const config = `${outfile}.capnp`
  await writeFile(join(dir, config), workerdConfig(port, outfile))
  const child = spawn(binary, ['serve', config], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk) => {
    stderr += chunk
  })
  const exited = new Promise((resolve) => child.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${port}`
  for (const started = Date.now(); ; ) {
    if (child.exitCode !== null) throw new Error(`workerd exited: ${stderr}`)
    const up = await fetch(`${url}/`).then(
      () => true,
      () => false,
    )
    if (up) break
    if (Date.now() - started > 20_000) throw new Error(`workerd did not start: ${stderr}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return {
    url,
    async stop() {
      child.kill()
      await exited
    },
  }
}
