// Cached client-credentials tokens: @oauthkit/node `clientCredentials()` next to @azure/msal-node
// `acquireTokenByClientCredential()` (its in-memory token cache), both against the same local
// node:http token endpoint, after one call has filled the cache. Calls are awaited one after
// another. A `Map` lookup with an expiry check is shown as the floor of any in-memory cache.
// msal-node runs against the local server through bench/lib/msal.mjs.
import { createServerClient } from '@oauthkit/node'
import { interleave, log, rate, report, table } from './lib/harness.mjs'
import { createLocalMsal } from './lib/msal.mjs'
import { startTokenServer } from './lib/token-server.mjs'

const ROUNDS = 10
const SLICE_MS = 250
const clientId = 'bench-client'
const clientSecret = 'bench-secret'
const scope = 'api://bench/.default'

const server = await startTokenServer({ ttl: 3600 })
const { issuer } = server
log(`client-credentials-vs-msal: server at ${issuer}`)

// --- msal-node ---------------------------------------------------------------------------------
const msal = createLocalMsal({ issuer, clientId, clientSecret })
const msalRequest = { scopes: [scope] }
const first = await msal.acquireTokenByClientCredential(msalRequest)
async function msalCached() {
  const result = await msal.acquireTokenByClientCredential(msalRequest)
  if (!result.fromCache) throw new Error('msal-node missed its cache')
}

// --- @oauthkit/node ----------------------------------------------------------------------------
const client = createServerClient({ issuer, clientId, clientSecret, allowInsecureRequests: true })
await client.clientCredentials({ scope })
async function oauthkitCached() {
  await client.clientCredentials({ scope })
}

// --- floor: a Map and an expiry check ----------------------------------------------------------
const map = new Map([[scope, { accessToken: first.accessToken, expiresAt: Date.now() + 3600e3 }]])
async function mapLookup() {
  const entry = map.get(scope)
  if (!entry || entry.expiresAt - 60e3 < Date.now()) throw new Error('miss')
  return entry.accessToken
}

const candidates = {
  'msal-node acquireTokenByClientCredential': msalCached,
  '@oauthkit/node clientCredentials()': oauthkitCached,
  'Map lookup (floor)': mapLookup,
}

await server.reset()
const samples = await interleave(candidates, {
  rounds: ROUNDS,
  warmup: 2,
  label: 'cached',
  measure: (fn) => rate(fn, { ms: SLICE_MS, batch: 256 }),
})
const stats = await server.stats()
await server.close()

const rows = Object.keys(candidates).map((name) => ({ name, samples: samples[name] }))
report(
  table({
    title: 'Cached client-credentials token: calls per second (vs msal-node, same local server)',
    unit: 'calls/s',
    baseline: 'msal-node acquireTokenByClientCredential',
    rows,
    higherIsBetter: true,
    notes: [
      `Sequential awaited calls, ${SLICE_MS} ms slices × ${ROUNDS} interleaved rounds, cache filled ` +
        `beforehand; token requests reaching the server while measuring: ${stats['/token'] ?? 0}.`,
    ],
  }),
)
