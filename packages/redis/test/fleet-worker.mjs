// One instance of a fleet, in its own process: a server client whose token cache is in Redis
// (the built packages, as an application loads them). Driven by its parent over IPC:
//   { type: 'burst', id, n, prefix }          n concurrent clientCredentials() calls
//   { type: 'load', id, ms, concurrency, prefix }  calls back to back for ms milliseconds
// Every command names the `issuer`; `timeout` (ms) sets the store's command deadline. The first
// command for a prefix creates its client.
// Replies { type: 'done', id, tokens, last, errors, expiredServed, slowest, calls, events }.
// HANG=1: the first token request is sent, then its answer is never delivered (the parent kills
// this process while it holds the lock).
import { subscribe } from 'node:diagnostics_channel'
import { createServerClient } from '@oauthkit/node'
import { createRedisStore } from '@oauthkit/redis'
import { Redis } from 'ioredis'
import { createClient } from 'redis'

const { REDIS_URL, LIBRARY, LOCK_TTL, HANG } = process.env

const events = {}
for (const name of [
  'oauthkit:token-request',
  'oauthkit:cache',
  'oauthkit:lock-wait',
  'oauthkit:store-fallback',
  'oauthkit:redis:unavailable',
  'oauthkit:redis:recovered',
  'oauthkit:redis:lock-fallback',
]) {
  subscribe(name, () => {
    events[name] = (events[name] ?? 0) + 1
  })
}

async function connect() {
  if (LIBRARY === 'ioredis') {
    const client = new Redis(REDIS_URL, { retryStrategy: () => 50, maxRetriesPerRequest: 1 })
    client.on('error', () => {})
    await new Promise((resolve) => client.once('ready', resolve))
    return client
  }
  const client = createClient({ url: REDIS_URL, socket: { reconnectStrategy: () => 50 } })
  client.on('error', () => {})
  return client.connect()
}

const redis = await connect()

const hangingFetch = async (input, init) => {
  const response = await fetch(input, init)
  if (String(input instanceof Request ? input.url : input).endsWith('/token')) {
    process.send({ type: 'in-request' })
    await new Promise(() => {})
  }
  return response
}

const clients = new Map()
function clientFor({ prefix, timeout, issuer }) {
  let client = clients.get(prefix)
  if (!client) {
    const store = createRedisStore({
      client: redis,
      prefix,
      ...(timeout ? { timeout } : {}),
      ...(LOCK_TTL ? { lockTtl: Number(LOCK_TTL) } : {}),
    })
    client = createServerClient({
      issuer,
      clientId: 'service',
      clientSecret: 'service-secret',
      allowInsecureRequests: true,
      ...(HANG ? { fetch: hangingFetch } : {}),
      tokenCache: { store },
    })
    clients.set(prefix, client)
  }
  return client
}

async function call(client, result) {
  const started = performance.now()
  try {
    const tokenSet = await client.clientCredentials()
    result.tokens.add(tokenSet.accessToken)
    result.last = tokenSet.accessToken
    if (tokenSet.expiresAt * 1000 <= Date.now()) result.expiredServed++
  } catch (err) {
    result.errors++
    result.codes[err.code] = (result.codes[err.code] ?? 0) + 1
  }
  result.slowest = Math.max(result.slowest, performance.now() - started)
  result.calls++
}

process.on('message', async (message) => {
  for (const name of Object.keys(events)) delete events[name]
  const client = clientFor(message)
  await client.metadata()
  const result = { tokens: new Set(), codes: {}, errors: 0, expiredServed: 0, slowest: 0, calls: 0 }
  if (message.type === 'burst') {
    await Promise.all(Array.from({ length: message.n }, () => call(client, result)))
  } else if (message.type === 'load') {
    const until = Date.now() + message.ms
    await Promise.all(
      Array.from({ length: message.concurrency }, async () => {
        while (Date.now() < until) {
          await call(client, result)
          await new Promise((resolve) => setTimeout(resolve, 5))
        }
      }),
    )
  } else if (message.type === 'warm') {
    // Discovery only.
  }
  process.send({ type: 'done', id: message.id, ...result, tokens: [...result.tokens], events })
})

process.send({ type: 'ready' })
