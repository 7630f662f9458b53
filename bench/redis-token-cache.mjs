// @oauthkit/redis: what sharing the token cache costs per call and saves per fleet.
// 1. Cached clientCredentials() through Redis (node-redis and ioredis) next to the default
//    in-process memory store and a bare Redis GET round trip (the floor of any Redis cache),
//    all in this run, against a local redis-server.
// 2. Token requests for a cold fleet: 8 processes × 250 concurrent calls, ours on Redis vs
//    msal-node with a Redis cache plugin (its documented distributed-cache pattern) vs ours with
//    independent per-process caches.
// 3. How soon a lock waiter in another process learns the result: the poll's added latency.
// Uses the built packages and Debian's redis-server: run `npm run build` first.
import { createServerClient } from '@oauthkit/node'
import { createRedisStore } from '@oauthkit/redis'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { runFleet } from './lib/fleet.mjs'
import { interleave, log, median, quantile, rate, report, table } from './lib/harness.mjs'
import { startRedisServer } from './lib/redis-server.mjs'
import { startTokenServer } from './lib/token-server.mjs'

const redisServer = await startRedisServer()
const server = await startTokenServer({ ttl: 3600 })
const nodeRedis = await createClient({ url: redisServer.url })
  .on('error', () => {})
  .connect()
const ioredis = new Redis(redisServer.url)
await new Promise((resolve) => ioredis.once('ready', resolve))
const tokenRequests = async () =>
  Object.entries(await server.stats())
    .filter(([path]) => path.endsWith('/token'))
    .reduce((sum, [, count]) => sum + count, 0)

try {
  const options = {
    issuer: server.issuer,
    clientId: 'bench-client',
    clientSecret: 'bench-secret',
    allowInsecureRequests: true,
  }
  const clients = {
    'clientCredentials(), memory store (default)': createServerClient(options),
    'clientCredentials(), Redis store (node-redis)': createServerClient({
      ...options,
      tokenCache: { store: createRedisStore({ client: nodeRedis, prefix: 'bench-a:' }) },
    }),
    'clientCredentials(), Redis store (ioredis)': createServerClient({
      ...options,
      tokenCache: { store: createRedisStore({ client: ioredis, prefix: 'bench-b:' }) },
    }),
  }
  const candidates = {
    'Redis GET round trip (node-redis, floor)': () => nodeRedis.get('bench-floor'),
  }
  for (const [name, client] of Object.entries(clients)) {
    await client.clientCredentials({ scope: 'api:read' })
    candidates[name] = () => client.clientCredentials({ scope: 'api:read' })
  }
  log('cached calls')
  await server.reset()
  const samples = await interleave(candidates, {
    rounds: 10,
    warmup: 2,
    measure: (fn) => rate(fn, { ms: 200, batch: 64 }),
  })
  const whileMeasuring = await tokenRequests()
  const usPerCall = Object.entries(samples).map(([name, values]) => ({
    name,
    samples: values.map((perSecond) => 1e6 / perSecond),
  }))

  log('cold fleets')
  const fleet = {}
  for (const [name, client] of [
    ['@oauthkit/redis (shared cache, distributed lock)', 'oauthkit-redis'],
    ['msal-node + Redis cache plugin', 'msal-redis'],
    ['@oauthkit/node, per-process memory caches', 'oauthkit-memory'],
  ]) {
    await server.reset()
    const started = performance.now()
    const { errors, calls } = await runFleet({
      size: 8,
      env: {
        CLIENT: client,
        ISSUER: server.issuer,
        REDIS_URL: redisServer.url,
        PREFIX: `cold-${client}:`,
        CALLS: '250',
      },
    })
    fleet[name] = {
      requests: await tokenRequests(),
      ms: performance.now() - started,
      errors,
      calls,
    }
    log(`  ${name}: ${fleet[name].requests} token requests`)
  }

  log('lock waiters')
  // One process holds the lock for 100 ms (a token request), another waits: the gap between the
  // release and the waiter's start is what polling adds. Two stores on two connections.
  const gaps = {}
  for (const maxPoll of [50, 20, 10]) {
    const holder = createRedisStore({ client: nodeRedis, prefix: `wait-${maxPoll}:` })
    const waiter = createRedisStore({ client: ioredis, prefix: `wait-${maxPoll}:`, maxPoll })
    gaps[maxPoll] = []
    for (let i = 0; i < 30; i++) {
      let releasedAt = 0
      let held
      const holding = new Promise((resolve) => {
        held = holder.lock.run('k', async () => {
          resolve()
          await new Promise((done) => setTimeout(done, 100))
          releasedAt = performance.now()
        })
      })
      await holding
      await waiter.lock.run('k', async () => {
        gaps[maxPoll].push(performance.now() - releasedAt)
      })
      await held
    }
  }

  const coldNote = (name) => {
    const { ms, errors, calls } = fleet[name]
    return `${calls} calls, ${errors} errors, ${(ms / 1000).toFixed(1)} s with process start`
  }
  report(
    table({
      title: 'Cached clientCredentials(): µs per call (awaited one after another)',
      unit: 'µs/call',
      baseline: 'clientCredentials(), memory store (default)',
      rows: usPerCall,
      notes: [
        `Local redis-server ${redisServer.url.replace(/:\d+$/, '')}, token requests while measuring: ${whileMeasuring}. ` +
          'A Redis-backed call is one GET (JSON parse) per call, so that every process sees a renewal at once.',
      ],
    }),
    table({
      title: 'Token requests for a cold fleet: 8 processes × 250 concurrent calls',
      unit: 'token requests',
      baseline: '@oauthkit/redis (shared cache, distributed lock)',
      rows: Object.entries(fleet).map(([name, { requests }]) => ({
        name,
        value: requests,
        note: coldNote(name),
      })),
      notes: [
        'msal-node: a ConfidentialClientApplication per process with an ICachePlugin that reads the ' +
          'serialised cache from Redis before each access and writes it after a change (no lock); its ' +
          'errors, if any, are calls that failed while the token server was swamped by the burst.',
      ],
    }),
    table({
      title:
        'Lock waiter on another connection: ms from the holder’s release to the waiter’s start',
      unit: 'ms',
      baseline: 'maxPoll 20 (default)',
      rows: [
        {
          name: 'maxPoll 50',
          samples: gaps[50],
          note: `p95 ${quantile(gaps[50], 0.95).toFixed(1)} ms`,
        },
        {
          name: 'maxPoll 20 (default)',
          samples: gaps[20],
          note: `p95 ${quantile(gaps[20], 0.95).toFixed(1)} ms`,
        },
        {
          name: 'maxPoll 10',
          samples: gaps[10],
          note: `p95 ${quantile(gaps[10], 0.95).toFixed(1)} ms`,
        },
      ],
      notes: [
        `30 hand-overs each after a 100 ms hold. Median added latency with the default: ${median(gaps[20]).toFixed(1)} ms. Each waiting process sends one SET NX per pause; pub/sub is not used.`,
      ],
    }),
  )
  if (fleet['@oauthkit/redis (shared cache, distributed lock)'].requests !== 1) {
    log('expected exactly 1 token request for the cold fleet')
    process.exitCode = 1
  }
} finally {
  nodeRedis.destroy()
  ioredis.disconnect()
  await server.close()
  await redisServer.stop()
}
