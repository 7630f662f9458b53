// A minimal local authorization server on node:http (discovery, token endpoint, JWKS) in a worker
// thread, shared by the node benchmarks so every client talks to the same server the same way.
// The token endpoint answers every POST with a fresh Bearer token valid for `ttl` seconds.
import { once } from 'node:events'
import { Worker } from 'node:worker_threads'

/**
 * @param {{ ttl?: number, jwks?: { keys: object[] } }} [options]
 * @returns {Promise<{ issuer: string, stats(): Promise<Record<string, number>>, reset(): Promise<void>, close(): Promise<void> }>}
 */
export async function startTokenServer({ ttl = 3600, jwks = { keys: [] } } = {}) {
  const worker = new Worker(new URL('./token-server-worker.mjs', import.meta.url), {
    workerData: { ttl, jwks },
  })
  const [{ issuer }] = await once(worker, 'message')
  const ask = async (message, key) => {
    worker.postMessage(message)
    for (;;) {
      const [reply] = await once(worker, 'message')
      if (key in reply) return reply[key]
    }
  }
  return {
    issuer,
    stats: () => ask('stats', 'stats'),
    reset: async () => {
      await ask('reset', 'reset')
    },
    close: async () => {
      worker.postMessage('close')
      await once(worker, 'exit')
    },
  }
}
