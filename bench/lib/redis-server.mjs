// Starts Debian's `redis-server` on 127.0.0.1 and a free port, without persistence, for the
// Redis benchmarks (the tests have their own starter in packages/redis/test).
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'

/** @returns {Promise<{ url: string, stop(): Promise<void> }>} */
export async function startRedisServer() {
  const probe = createServer().listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const { port } = probe.address()
  probe.close()
  const child = spawn(
    'redis-server',
    ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  await new Promise((resolve, reject) => {
    child.once('error', (err) =>
      reject(
        err.code === 'ENOENT'
          ? new Error(
              'redis-server is missing: apt-get install -y --no-install-recommends redis-server',
            )
          : err,
      ),
    )
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
      if (out.includes('Ready to accept connections')) resolve()
    })
  })
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGKILL')
      await once(child, 'exit')
    },
  }
}
