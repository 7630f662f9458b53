// 2 minutes of 5-second client-credentials tokens under constant load from 8 processes sharing
// @oauthkit/redis: token requests for the whole fleet against the ideal of one per renewal
// (renewal at half the lifetime, 2.5 s), next to the same fleet with per-process memory caches
// (one request per renewal per process) measured in this run. `--seconds=N` shortens it; npm
// test runs a 15-second version (packages/redis/test/fleet.test.ts).
// Uses the built packages and Debian's redis-server: run `npm run build` first.
import { runFleet } from './lib/fleet.mjs'
import { log, report, table } from './lib/harness.mjs'
import { startRedisServer } from './lib/redis-server.mjs'
import { startTokenServer } from './lib/token-server.mjs'

const LIFETIME = 5
const SIZE = 8
const seconds = Number(process.argv.find((arg) => arg.startsWith('--seconds='))?.slice(10) ?? 120)
const redisServer = await startRedisServer()
const server = await startTokenServer({ ttl: LIFETIME })
try {
  const rows = []
  for (const [name, client] of [
    ['@oauthkit/redis, 8 processes', 'oauthkit-redis'],
    ['per-process memory caches, 8 processes', 'oauthkit-memory'],
  ]) {
    log(`${name}: ${seconds} s`)
    await server.reset()
    const { tokens, errors, calls } = await runFleet({
      size: SIZE,
      env: {
        CLIENT: client,
        ISSUER: server.issuer,
        REDIS_URL: redisServer.url,
        PREFIX: `renewal-${client}:`,
        CALLS: '10',
        LOAD_MS: String(seconds * 1000),
      },
    })
    const stats = await server.stats()
    const requests = Object.entries(stats)
      .filter(([path]) => path.endsWith('/token'))
      .reduce((sum, [, count]) => sum + count, 0)
    rows.push({
      name,
      value: requests,
      note: `${calls} calls, ${errors} errors, ${tokens.size} distinct tokens served`,
    })
  }
  const ideal = 1 + Math.floor(seconds / (LIFETIME / 2))
  rows.push({ name: 'ideal: one per renewal for the fleet', value: ideal })
  report(
    table({
      title: `Token requests in ${seconds} s of ${LIFETIME}-second tokens under constant load`,
      unit: 'token requests',
      baseline: 'ideal: one per renewal for the fleet',
      rows,
      notes: [
        `Each process runs 10 callers back to back (5 ms pause). Ideal = 1 + ${seconds} s / ${LIFETIME / 2} s; ` +
          'a renewal starts at the first call after its due time, so a loaded machine may do fewer.',
      ],
    }),
  )
} finally {
  await server.close()
  await redisServer.stop()
}
