import { type DevServer, startDevServer } from '@oauthkit/devserver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { everyone, type Instance, startInstance } from './fleet.js'
import { type RedisServer, startRedisServer } from './redis-server.js'

// A fleet of 8 processes, half on node-redis and half on ioredis, sharing one Redis, against
// the devserver issuing 5-second client-credentials tokens (renewed 2.5 s after issue).
// Counts are token requests the authorization server saw.
const SIZE = 8
const LIFETIME = 5

let redis: RedisServer
let server: DevServer
let fleet: Instance[] = []
let env: { REDIS_URL: string; ISSUER: string }
let prefixes = 0
const prefix = () => `fleet-${++prefixes}:`
// Tests of a healthy Redis give the store a long command deadline: this 2-core machine runs many
// jobs at once (load averages above 20), and a child starved of CPU for longer than the default
// 500 ms would fall back to its own memory, which is the fault behaviour tested below.
const HEALTHY = 5000
const tokenRequests = () => server.stats().endpoints.token ?? 0
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

beforeAll(async () => {
  redis = await startRedisServer()
  server = await startDevServer({ ttl: { clientCredentials: LIFETIME } })
  env = { REDIS_URL: redis.url, ISSUER: server.issuer }
  fleet = await Promise.all(
    Array.from({ length: SIZE }, (_, i) => startInstance(i % 2 ? 'ioredis' : 'redis', env)),
  )
}, 60_000)

afterAll(async () => {
  await Promise.all(fleet.map((instance) => instance.kill()))
  await server?.close()
  await redis?.stop()
})

describe('a fleet sharing one Redis', () => {
  it(`${SIZE} processes × 250 concurrent clientCredentials() on a cold cache: 1 token request`, async () => {
    const key = prefix()
    await everyone(fleet, { type: 'warm', prefix: key, timeout: HEALTHY })
    server.resetStats()
    const { tokens, results } = await everyone(fleet, {
      type: 'burst',
      n: 250,
      prefix: key,
      timeout: HEALTHY,
    })
    expect(tokenRequests()).toBe(1)
    expect(tokens.size).toBe(1)
    expect(results.reduce((sum, r) => sum + r.calls, 0)).toBe(SIZE * 250)
    expect(results.every((r) => r.errors === 0)).toBe(true)
    // Observability: one process published the request, the others waited for the lock.
    const published = results.map((r) => r.events['oauthkit:token-request'] ?? 0)
    expect(published.reduce((a, b) => a + b)).toBe(1)
    expect(results.every((r) => (r.events['oauthkit:cache'] ?? 0) >= 250)).toBe(true)
  }, 60_000)

  it('renews once per renewal for the whole fleet under constant load', async () => {
    // The full 2 minutes is `node bench/redis-fleet-renewal.mjs`; 15 s keeps npm test short.
    const key = prefix()
    await everyone(fleet, { type: 'warm', prefix: key, timeout: HEALTHY })
    server.resetStats()
    const seconds = 15
    const { tokens, results } = await everyone(fleet, {
      type: 'load',
      ms: seconds * 1000,
      concurrency: 10,
      prefix: key,
      timeout: HEALTHY,
    })
    const requests = tokenRequests()
    // One token at start, then one per renewal: every 2.5 s (half of 5 s), give or take the
    // whole-second rounding of expires_at.
    const ideal = 1 + Math.floor(seconds / (LIFETIME / 2))
    console.log(`renewal: ${requests} token requests in ${seconds} s, ideal ${ideal}`)
    expect(requests).toBeGreaterThanOrEqual(ideal - 2)
    expect(requests).toBeLessThanOrEqual(ideal + 1)
    // Every token requested was used by the fleet: no duplicate renewals.
    expect(tokens.size).toBe(requests)
    expect(results.every((r) => r.errors === 0 && r.expiredServed === 0)).toBe(true)
  }, 60_000)
})

describe('faults, each with the token requests it cost', () => {
  it('the lock holder is killed mid-request: another instance takes over at expiry, one more request', async () => {
    const key = prefix()
    const lockTtl = 1500
    const holder = await startInstance('redis', { ...env, HANG: '1', LOCK_TTL: String(lockTtl) })
    const others = await Promise.all(
      Array.from({ length: 3 }, (_, i) =>
        startInstance(i % 2 ? 'ioredis' : 'redis', { ...env, LOCK_TTL: String(lockTtl) }),
      ),
    )
    try {
      await everyone([holder, ...others], { type: 'warm', prefix: key, timeout: HEALTHY })
      server.resetStats()
      void holder.send({ type: 'burst', n: 1, prefix: key }).catch(() => {})
      await holder.inRequest
      const started = performance.now()
      const burst = everyone(others, { type: 'burst', n: 50, prefix: key })
      await delay(100)
      await holder.kill()
      const { tokens, results } = await burst
      const waited = performance.now() - started
      expect(tokenRequests()).toBe(2) // the dead holder's, then one for the rest of the fleet
      expect(tokens.size).toBe(1)
      expect(results.every((r) => r.errors === 0)).toBe(true)
      expect(waited).toBeLessThan(lockTtl + 1500)
    } finally {
      await Promise.all([holder, ...others].map((instance) => instance.kill()))
    }
  }, 60_000)

  it('FLUSHALL: one request for the fleet', async () => {
    const key = prefix()
    await everyone(fleet, { type: 'burst', n: 10, prefix: key, timeout: HEALTHY })
    server.resetStats()
    await fetchRedis(['FLUSHALL'])
    const { tokens } = await everyone(fleet, { type: 'burst', n: 50, prefix: key })
    expect(tokenRequests()).toBe(1)
    expect(tokens.size).toBe(1)
  }, 60_000)

  it('Redis restarts without persistence: one request for the fleet', async () => {
    const key = prefix()
    await everyone(fleet, { type: 'burst', n: 10, prefix: key, timeout: HEALTHY })
    await redis.stop()
    await redis.start()
    await delay(500) // the clients reconnect (they retry every 50 ms)
    server.resetStats()
    const { tokens, results } = await everyone(fleet, { type: 'burst', n: 50, prefix: key })
    expect(tokenRequests()).toBe(1)
    expect(tokens.size).toBe(1)
    expect(results.every((r) => r.errors === 0)).toBe(true)
  }, 60_000)

  it('Redis paused (slow): calls are served from memory within the deadline, no request', async () => {
    const key = prefix()
    await everyone(fleet, { type: 'burst', n: 10, prefix: key })
    server.resetStats()
    redis.pause()
    try {
      const { results } = await everyone(fleet, {
        type: 'load',
        ms: 1000,
        concurrency: 5,
        prefix: key,
      })
      expect(tokenRequests()).toBe(0)
      expect(results.every((r) => r.errors === 0 && r.expiredServed === 0)).toBe(true)
      // Each call waits at most one command deadline (500 ms), then the breaker answers at once.
      expect(Math.max(...results.map((r) => r.slowest))).toBeLessThan(1000)
      expect(results.every((r) => (r.events['oauthkit:redis:unavailable'] ?? 0) === 1)).toBe(true)
      expect(results.every((r) => (r.events['oauthkit:store-fallback'] ?? 0) > 0)).toBe(true)
    } finally {
      redis.resume()
    }
  }, 60_000)

  it('Redis down on a cold fleet: one request per instance; back up: one request per renewal again', async () => {
    const key = prefix()
    await everyone(fleet, { type: 'warm', prefix: key, timeout: HEALTHY })
    await redis.stop()
    server.resetStats()
    const down = await everyone(fleet, { type: 'burst', n: 50, prefix: key })
    expect(tokenRequests()).toBe(SIZE) // each instance on its own, single-flight within it
    expect(down.results.every((r) => r.errors === 0)).toBe(true)
    expect(down.results.every((r) => (r.events['oauthkit:redis:lock-fallback'] ?? 0) >= 1)).toBe(
      true,
    )

    await redis.start()
    await delay(1000) // the clients reconnect, and the breakers' 1 s pause ends
    server.resetStats()
    // Past the renewal point of every instance's own token: the renewal goes through Redis.
    const back = await everyone(fleet, { type: 'load', ms: 4000, concurrency: 3, prefix: key })
    // Each instance's own token is renewed once for the whole fleet, and that one again 2.5 s
    // later: one request per renewal, whatever the fleet's size, and every instance ends on the
    // same token.
    expect(tokenRequests()).toBeGreaterThanOrEqual(1)
    expect(tokenRequests()).toBeLessThanOrEqual(1 + Math.floor(4000 / ((LIFETIME / 2) * 1000)))
    expect(new Set(back.results.map((r) => r.last)).size).toBe(1)
    expect(back.results.every((r) => r.errors === 0 && r.expiredServed === 0)).toBe(true)
    expect(back.results.every((r) => (r.events['oauthkit:redis:recovered'] ?? 0) === 1)).toBe(true)
  }, 60_000)
})

async function fetchRedis(args: string[]): Promise<unknown> {
  const { createClient } = await import('redis')
  const client = await createClient({ url: redis.url }).connect()
  try {
    return await client.sendCommand(args)
  } finally {
    client.destroy()
  }
}
