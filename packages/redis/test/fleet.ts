import { type ChildProcess, fork } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Library } from './redis-server.js'

const WORKER = join(import.meta.dirname, 'fleet-worker.mjs')
const packages = join(import.meta.dirname, '..', '..')
for (const name of ['core', 'node', 'redis']) {
  // The children load the built packages, as an application does (`npm test` builds first): the
  // entry Node loads, wherever the build layout puts it.
  const { exports } = JSON.parse(readFileSync(join(packages, name, 'package.json'), 'utf8'))
  if (!existsSync(join(packages, name, exports['.'].default))) {
    throw new Error(`packages/${name}/dist is missing: run "npm run build" first`)
  }
}

/** What one instance reports after a command. */
export interface WorkerResult {
  tokens: string[]
  /** The token the last call got. */
  last?: string
  errors: number
  /** Error codes of the failed calls, with their counts. */
  codes: Record<string, number>
  expiredServed: number
  slowest: number
  calls: number
  events: Record<string, number>
}

/** One instance of the fleet: a child process with a Redis-backed server client. */
export interface Instance {
  readonly child: ChildProcess
  send(command: Record<string, unknown>): Promise<WorkerResult>
  /** Resolves when the instance has sent its token request (HANG instances). */
  inRequest: Promise<void>
  kill(): Promise<void>
}

let ids = 0

/** Starts an instance; `env` adds LOCK_TTL or HANG. */
export async function startInstance(
  library: Library,
  env: { REDIS_URL: string; LOCK_TTL?: string; HANG?: string },
): Promise<Instance> {
  const child = fork(WORKER, [], {
    // Not vitest's flags (its source condition): the children load dist like an application.
    execArgv: [],
    env: { ...process.env, ...env, LIBRARY: library, NODE_OPTIONS: '' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const pending = new Map<number, (result: WorkerResult) => void>()
  let onRequest: () => void = () => {}
  const inRequest = new Promise<void>((resolve) => {
    onRequest = resolve
  })
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`instance exited (${code}) before it was ready`)))
    child.on('message', (message: { type: string; id?: number } & WorkerResult) => {
      if (message.type === 'ready') resolve()
      if (message.type === 'in-request') onRequest()
      if (message.type === 'done') pending.get(message.id as number)?.(message)
    })
  })
  await ready
  return {
    child,
    inRequest,
    send(command) {
      const id = ++ids
      return new Promise((resolve, reject) => {
        pending.set(id, resolve)
        child.once('exit', () => reject(new Error('instance exited')))
        child.send({ ...command, id })
      })
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGKILL')
      await exited
    },
  }
}

/** Runs `command` on every instance at once and gathers the results. */
export async function everyone(
  fleet: Instance[],
  command: Record<string, unknown>,
): Promise<{ tokens: Set<string>; results: WorkerResult[] }> {
  const results = await Promise.all(fleet.map((instance) => instance.send(command)))
  return { tokens: new Set(results.flatMap((r) => r.tokens)), results }
}
