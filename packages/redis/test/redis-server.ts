import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'
import { createClient } from 'redis'

/** The one command that installs what these tests need (Debian / Ubuntu, as root). */
export const INSTALL_REDIS =
  'apt-get update && apt-get install -y --no-install-recommends redis-server'

/** A `redis-server` these tests started, on 127.0.0.1, with no persistence. */
export interface RedisServer {
  readonly port: number
  readonly url: string
  /** Stops it (SIGKILL: its data is gone, as after a crash). */
  stop(): Promise<void>
  /** Starts it again on the same port, empty. */
  start(): Promise<void>
  /** SIGSTOP / SIGCONT: a Redis that accepts connections and answers nothing. */
  pause(): void
  resume(): void
}

async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as { port: number }
  await new Promise((resolve) => probe.close(resolve))
  return port
}

function launch(port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'redis-server',
      ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let out = ''
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT'
          ? new Error(`redis-server is not installed; these tests need it. Run: ${INSTALL_REDIS}`)
          : err,
      ),
    )
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)))
    child.stdout?.on('data', (chunk) => {
      out += chunk
      if (out.includes('Ready to accept connections')) resolve(child)
    })
  })
}

/** Starts `redis-server` on a free port, the way the tests start the devserver. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort()
  let child: ChildProcess | undefined = await launch(port)
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      const running = child
      child = undefined
      if (!running || running.exitCode !== null) return
      const exited = new Promise((resolve) => running.once('exit', resolve))
      running.kill('SIGKILL')
      await exited
    },
    async start() {
      child = await launch(port)
    },
    pause() {
      child?.kill('SIGSTOP')
    },
    resume() {
      child?.kill('SIGCONT')
    },
  }
}

/** The two client libraries, connected to `url`; errors (while Redis is down) are expected. */
export const clients = {
  redis: async (url: string) => {
    const client = createClient({ url, socket: { reconnectStrategy: () => 50 } })
    client.on('error', () => {})
    await client.connect()
    return { client, close: () => client.destroy() }
  },
  ioredis: async (url: string) => {
    const client = new Redis(url, { retryStrategy: () => 50, maxRetriesPerRequest: 1 })
    client.on('error', () => {})
    await new Promise<void>((resolve) => client.once('ready', () => resolve()))
    return { client, close: () => client.disconnect() }
  },
} as const

export type Library = keyof typeof clients
