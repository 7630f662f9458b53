import { createRedisStore } from '@oauthkit/redis'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { sessionEngineScenarios } from '../../core/test/session-engine-conformance.js'
import { clients, type RedisServer, startRedisServer } from './redis-server.js'

// The engine's conformance scenarios with every "instance" on its own Redis connection, half on
// node-redis and half on ioredis, sharing state only through Redis.
let server: RedisServer
const connections: { close(): void }[] = []
beforeAll(async () => {
  server = await startRedisServer()
})
afterAll(async () => {
  for (const connection of connections) connection.close()
  await server?.stop()
})

describe('session engine conformance: Redis store + Redis lock', () => {
  for (const scenario of sessionEngineScenarios) {
    it(scenario.name, () =>
      scenario.run({
        async open(name) {
          const pool = await Promise.all([clients.redis(server.url), clients.ioredis(server.url)])
          connections.push(...pool)
          let next = 0
          return {
            pair: () => {
              const { client } = pool[next++ % pool.length] as (typeof pool)[number]
              const store = createRedisStore({ client, prefix: `${name}:`, timeout: 5000 })
              return { store, lock: store.lock }
            },
          }
        },
      }),
    )
  }
})
