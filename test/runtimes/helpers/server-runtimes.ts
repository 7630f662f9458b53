import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import {
  SCRIPT_RUNTIMES,
  type ScriptRuntime as ScriptRuntimeInfo,
  WORKERD,
} from './script-runtimes.mjs'
import { startWorker } from './start-worker.mjs'

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
  /** The executable: the Node running the tests, or one from test/runtimes/binaries. */
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

function scriptRuntime({ name, binary, args, version }: ScriptRuntimeInfo): ServerRuntime {
  return {
    name,
    binary,
    version: () => versionOf(binary, ['--version'], version),
    run: (dir, referee) => runScript(binary, [...args, 'run-server.mjs', referee], dir),
  }
}

/**
 * The server runtimes of the matrix: the script runtimes of script-runtimes.mjs (Node 20, 22, 24,
 * Bun, Deno) and workerd.
 */
export const SERVER_RUNTIMES: ServerRuntime[] = [
  ...SCRIPT_RUNTIMES.map(scriptRuntime),
  {
    name: 'workerd',
    binary: WORKERD,
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
