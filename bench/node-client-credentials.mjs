// Cached clientCredentials() throughput of @oauthkit/node against a local token server, compared in
// the same run with the floor (a Map lookup plus the same expiry check) and with an uncached token
// request, so the ratio shows what the cache costs and what it saves. Also counts the token
// requests for a 1,000-caller burst on a cold cache (must be exactly 1).
// Uses the built packages: run `npm run build` first.
import { createServerClient } from '@oauthkit/node'
import { interleave, log, rate, report, table } from './lib/harness.mjs'
import { startTokenServer } from './lib/token-server.mjs'

const server = await startTokenServer({ ttl: 3600 })
try {
  const options = {
    issuer: server.issuer,
    clientId: 'bench',
    clientSecret: 'bench-secret',
    allowInsecureRequests: true,
  }
  const cached = createServerClient(options)
  await cached.clientCredentials({ scope: 'api:read' })

  // The floor: what any in-process cache must at least do per call.
  const floor = new Map([
    ['bench api:read', { accessToken: 'x', expiresAt: Date.now() / 1000 + 3600 }],
  ])
  const mapLookup = async () => {
    const entry = floor.get('bench api:read')
    if (!entry || Date.now() / 1000 + 60 >= entry.expiresAt) throw new Error('miss')
    return entry
  }
  // No cache: a new client per call would also rediscover, so reuse one and invalidate instead.
  const uncachedClient = createServerClient(options)
  const uncached = async () => {
    await uncachedClient.invalidateClientCredentials({ scope: 'api:read' })
    return uncachedClient.clientCredentials({ scope: 'api:read' })
  }

  log('cached clientCredentials()')
  const samples = await interleave(
    {
      'Map.get + expiry check (floor)': mapLookup,
      '@oauthkit/node clientCredentials() (cached)': () =>
        cached.clientCredentials({ scope: 'api:read' }),
      'token request every call (no cache)': uncached,
    },
    {
      rounds: 10,
      warmup: 2,
      measure: (fn, name) => rate(fn, { ms: name.includes('no cache') ? 300 : 200 }),
    },
  )

  await server.reset()
  const burst = createServerClient(options)
  await burst.metadata()
  await server.reset()
  const started = performance.now()
  await Promise.all(Array.from({ length: 1000 }, () => burst.clientCredentials({ scope: 'burst' })))
  const burstMs = performance.now() - started
  const stats = await server.stats()
  const tokenRequests = Object.entries(stats)
    .filter(([path]) => path.endsWith('/token'))
    .reduce((sum, [, count]) => sum + count, 0)

  report(
    table({
      title: 'cached clientCredentials() calls per second (awaited one after another)',
      unit: 'calls/s',
      baseline: '@oauthkit/node clientCredentials() (cached)',
      higherIsBetter: true,
      rows: Object.entries(samples).map(([name, values]) => ({ name, samples: values })),
      notes: [
        `1,000 concurrent calls on a cold cache: ${tokenRequests} token request(s), ${burstMs.toFixed(1)} ms.`,
      ],
    }),
  )
  if (tokenRequests !== 1) {
    log(`expected exactly 1 token request for the burst, saw ${tokenRequests}`)
    process.exitCode = 1
  }
} finally {
  await server.close()
}
