import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { runtimeBinary } from './runtime-binary.js'

const run = promisify(execFile)

/** One scenario's outcome, as the scenario files report it. */
export interface ScenarioResult {
  name: string
  ok: boolean
  ms: number
  error?: string
}

/** A server-side runtime the scenarios run in. */
export interface ServerRuntime {
  /** The name used in test titles and the README table. */
  name: string
  /** The binary, from the root devDependencies (or the Node running the tests). */
  binary: string
  /** The version the binary reports, normalised to `x.y.z`. */
  version(): Promise<string>
  /** Runs every server scenario from the installed project `dir` against the referee. */
  run(dir: string, refereeUrl: string): Promise<ScenarioResult[]>
}

const TIMEOUT = 90_000

// Asynchronous on purpose: the referee's devserver lives in this process, and a blocked event
// loop (execFileSync) would starve it while the runtime waits for its answers.
async function runScript(binary: string, args: string[], cwd: string): Promise<ScenarioResult[]> {
  const { stdout } = await run(binary, args, {
    cwd,
    timeout: TIMEOUT,
    maxBuffer: 16 * 1024 * 1024,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' },
  })
  const last = stdout.trim().split('\n').at(-1) ?? ''
  return JSON.parse(last) as ScenarioResult[]
}

async function versionOf(binary: string, args: string[], pattern: RegExp): Promise<string> {
  const { stdout } = await run(binary, args)
  const match = pattern.exec(stdout)
  if (!match?.[1]) throw new Error(`${binary} printed no version: ${stdout}`)
  return match[1]
}

function node(name: string, binary: string): ServerRuntime {
  return {
    name,
    binary,
    version: () => versionOf(binary, ['--version'], /v(\d+\.\d+\.\d+)/),
    run: (dir, referee) => runScript(binary, ['run-server.mjs', referee], dir),
  }
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

// workerd's own configuration format (Cap'n Proto text). No `nodejs_compat` flag: the worker gets
// only what every edge runtime has. Its default global outbound refuses loopback addresses, so
// fetches go through a network service that allows `local` (the devserver is 127.0.0.1).
const workerdConfig = (port: number) => `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "loopback", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "2026-11-01",
  globalOutbound = "loopback",
);
`

/**
 * Bundles `entry` (relative to the installed project `dir`) for workerd the way Wrangler does
 * (esbuild, the `workerd`/`worker`/`browser` export conditions, no Node built-ins), writes the
 * configuration, starts workerd on a free port and resolves once it answers.
 */
export async function startWorker(
  binary: string,
  dir: string,
  entry: string,
): Promise<{ url: string; stop(): Promise<void> }> {
  await build({
    entryPoints: [join(dir, entry)],
    outfile: join(dir, 'worker.js'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['browser', 'module', 'main'],
    logLevel: 'silent',
  })
  const port = await freePort()
  await writeFile(join(dir, 'workerd.capnp'), workerdConfig(port))
  const child: ChildProcess = spawn(binary, ['serve', 'workerd.capnp'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk) => {
    stderr += chunk
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${port}`
  for (const started = Date.now(); ; ) {
    if (child.exitCode !== null) throw new Error(`workerd exited: ${stderr}`)
    const up = await fetch(`${url}/`).then(
      () => true,
      () => false,
    )
    if (up) break
    if (Date.now() - started > 20_000) throw new Error(`workerd did not start: ${stderr}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    url,
    async stop() {
      child.kill()
      await exited
    },
  }
}

/**
 * The server runtimes of the matrix: the Node running the tests (20 on CI), and the binaries of
 * test/runtimes/binaries (see runtime-binary.ts).
 */
export const SERVER_RUNTIMES: ServerRuntime[] = [
  node(`Node ${process.versions.node.split('.')[0]}`, process.execPath),
  node('Node 22', runtimeBinary('runtime-node-22/bin/node')),
  node('Node 24', runtimeBinary('runtime-node-24/bin/node')),
  {
    name: 'Bun',
    binary: runtimeBinary('@oven/bun-linux-x64/bin/bun', 'bun/bin/bun.exe'),
    version() {
      return versionOf(this.binary, ['--version'], /(\d+\.\d+\.\d+)/)
    },
    run(dir, referee) {
      return runScript(this.binary, ['run-server.mjs', referee], dir)
    },
  },
  {
    name: 'Deno',
    binary: runtimeBinary('@deno/linux-x64-glibc/deno'),
    version() {
      return versionOf(this.binary, ['--version'], /deno (\d+\.\d+\.\d+)/)
    },
    run(dir, referee) {
      // Only network access to the loopback address; the packages come from ./node_modules.
      const args = ['run', '--allow-net=127.0.0.1', '--node-modules-dir=manual']
      return runScript(this.binary, [...args, 'run-server.mjs', referee], dir)
    },
  },
  {
    name: 'workerd',
    binary: runtimeBinary('@cloudflare/workerd-linux-64/bin/workerd'),
    version() {
      return versionOf(this.binary, ['--version'], /workerd (\S+)/)
    },
    async run(dir, referee) {
      const worker = await startWorker(this.binary, dir, 'worker.mjs')
      try {
        const response = await fetch(`${worker.url}/?referee=${encodeURIComponent(referee)}`, {
          signal: AbortSignal.timeout(TIMEOUT),
        })
        if (!response.ok)
          throw new Error(`worker answered ${response.status}: ${await response.text()}`)
        return (await response.json()) as ScenarioResult[]
      } finally {
        await worker.stop()
      }
    },
  },
]
