// One process of a benchmark fleet: waits for 'go', then makes CALLS concurrent
// client-credentials calls (or calls back to back for LOAD_MS), and reports what it got.
// CLIENT: 'oauthkit-redis' (@oauthkit/node with @oauthkit/redis), 'oauthkit-memory' (its default
// per-process cache), 'msal-redis' (@azure/msal-node with a Redis cache plugin: the whole cache
// serialised under one key, read before and written after each access, its documented pattern).
import { createServerClient } from '@oauthkit/node'
import { createRedisStore } from '@oauthkit/redis'
import { createClient } from 'redis'
import { createLocalMsal } from './msal.mjs'

const { CLIENT, ISSUER, REDIS_URL, PREFIX, CALLS, LOAD_MS } = process.env
const redis = REDIS_URL
  ? await createClient({ url: REDIS_URL })
      .on('error', () => {})
      .connect()
  : undefined

let call
if (CLIENT === 'msal-redis') {
  const key = `${PREFIX}msal-cache`
  const msal = createLocalMsal({
    issuer: ISSUER,
    clientId: 'bench-client',
    clientSecret: 'bench-secret',
    cache: {
      cachePlugin: {
        async beforeCacheAccess(context) {
          const blob = await redis.get(key)
          if (blob) context.tokenCache.deserialize(blob)
        },
        async afterCacheAccess(context) {
          if (context.cacheHasChanged) await redis.set(key, context.tokenCache.serialize())
        },
      },
    },
  })
  call = async () =>
    (await msal.acquireTokenByClientCredential({ scopes: ['api://bench/.default'] })).accessToken
} else {
  const client = createServerClient({
    issuer: ISSUER,
    clientId: 'bench-client',
    clientSecret: 'bench-secret',
    allowInsecureRequests: true,
    ...(CLIENT === 'oauthkit-redis'
      ? {
          tokenCache: { store: createRedisStore({ client: redis, prefix: PREFIX, timeout: 5000 }) },
        }
      : {}),
  })
  await client.metadata()
  call = async () => (await client.clientCredentials({ scope: 'api:read' })).accessToken
}

process.send('ready')
process.once('message', async () => {
  const tokens = new Set()
  let errors = 0
  let calls = 0
  const one = async () => {
    try {
      tokens.add(await call())
    } catch {
      errors++
    }
    calls++
  }
  if (LOAD_MS) {
    const until = Date.now() + Number(LOAD_MS)
    await Promise.all(
      Array.from({ length: Number(CALLS) }, async () => {
        while (Date.now() < until) {
          await one()
          await new Promise((resolve) => setTimeout(resolve, 5))
        }
      }),
    )
  } else {
    await Promise.all(Array.from({ length: Number(CALLS) }, one))
  }
  process.send({ tokens: [...tokens], errors, calls })
  await redis?.close()
  process.disconnect()
})
