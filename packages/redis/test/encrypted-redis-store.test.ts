import { createEncryptedStore } from '@oauthkit/core'
import { type DevServer, startDevServer } from '@oauthkit/devserver'
import { createServerClient } from '@oauthkit/node'
import { createRedisStore } from '@oauthkit/redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clients, type RedisServer, startRedisServer } from './redis-server.js'

// The Redis store under createEncryptedStore, as an application configures it: values at rest
// are ciphertext, and the distributed lock still single-flights token requests.
let redis: RedisServer
let devserver: DevServer
const connections: { close(): unknown }[] = []

beforeAll(async () => {
  redis = await startRedisServer()
  devserver = await startDevServer()
}, 60_000)

afterAll(async () => {
  for (const connection of connections) await connection.close()
  await devserver?.close()
  await redis?.stop()
})

const KEY = crypto.getRandomValues(new Uint8Array(32))

/** A server client with its own Redis connection, caching tokens encrypted under `key`. */
async function serverClient(prefix: string, id = 'k1', key = KEY) {
  const connection = await clients.redis(redis.url)
  connections.push(connection)
  const store = createEncryptedStore(
    createRedisStore({ client: connection.client, prefix, timeout: 5000 }),
    { keys: [{ id, key }] },
  )
  const client = createServerClient({
    issuer: devserver.issuer,
    clientId: 'service',
    clientSecret: 'service-secret',
    allowInsecureRequests: true,
    tokenCache: { store },
  })
  return { client, store, connection }
}

describe('createEncryptedStore(createRedisStore())', () => {
  it('keeps only ciphertext in Redis; the same key reads it, another key id does not', async () => {
    const prefix = 'at-rest:'
    const first = await serverClient(prefix)
    const tokens = await first.client.clientCredentials()
    expect(tokens.accessToken).toEqual(expect.any(String))

    const keys = (await first.connection.client.keys(`${prefix}*`)).filter((k) => !/lock/.test(k))
    expect(keys).toHaveLength(1)
    const raw = String(await first.connection.client.get(keys[0] as string))
    expect(raw).not.toContain(tokens.accessToken)
    expect(JSON.parse(raw).session).toMatchObject({ oauthkit_sealed: 1, kid: 'k1' })

    devserver.resetStats()
    const second = await serverClient(prefix)
    expect((await second.client.clientCredentials()).accessToken).toBe(tokens.accessToken)
    expect(devserver.stats().endpoints.token ?? 0).toBe(0)

    // Another key id: the value reads as absent, so this client fetches (and seals) its own.
    const rotated = await serverClient(prefix, 'k2', crypto.getRandomValues(new Uint8Array(32)))
    const own = await rotated.client.clientCredentials()
    expect(own.accessToken).not.toBe(tokens.accessToken)
    expect(devserver.stats().endpoints.token).toBe(1)
  }, 30_000)

  it('still single-flights through the Redis lock: 2 clients × 20 calls, 1 token request', async () => {
    const prefix = 'at-rest-lock:'
    const [a, b] = await Promise.all([serverClient(prefix), serverClient(prefix)])
    expect(a?.store.lock).toBeDefined()
    devserver.resetStats()
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        ((i % 2 ? a : b) as typeof a).client.clientCredentials(),
      ),
    )
    expect(new Set(results.map((t) => t.accessToken)).size).toBe(1)
    expect(devserver.stats().endpoints.token).toBe(1)
  }, 30_000)
})
