// Token request overhead: one client-credentials request after another against a local node:http
// token endpoint (in a worker thread), with no token cache in the way. Compares oauthkit with the
// floor it is built on: oauth4webapi's own two calls, and a raw `fetch` POST + `response.json()`.
// openid-client is shown too. All share the same keep-alive `fetch` (undici) and the same server.
import * as core from '@oauthkit/core'
import { createServerClient } from '@oauthkit/node'
import * as oauth from 'oauth4webapi'
import * as openid from 'openid-client'
import { interleave, log, rate, report, table } from './lib/harness.mjs'
import { startTokenServer } from './lib/token-server.mjs'

const ROUNDS = 10
const SLICE_MS = 300
const clientId = 'bench-client'
const clientSecret = 'bench-secret'
const scope = 'api:read'

const server = await startTokenServer({ ttl: 3600 })
const { issuer } = server
log(`token-request: server at ${issuer}`)

// raw fetch: the least any client can do
const basic = `Basic ${btoa(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`)}`
const tokenEndpoint = `${issuer}/token`
async function rawFetch() {
  const response = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: {
      authorization: basic,
      'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
      accept: 'application/json',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
  })
  const body = await response.json()
  if (!body.access_token) throw new Error('no token')
}

// oauth4webapi: its two calls, metadata discovered once
const insecure = { [oauth.allowInsecureRequests]: true }
const as = await oauth.processDiscoveryResponse(
  new URL(issuer),
  await oauth.discoveryRequest(new URL(issuer), { ...insecure, algorithm: 'oidc' }),
)
const o4wClient = { client_id: clientId }
const o4wAuth = oauth.ClientSecretBasic(clientSecret)
async function oauth4webapi() {
  const response = await oauth.clientCredentialsGrantRequest(
    as,
    o4wClient,
    o4wAuth,
    new URLSearchParams({ scope }),
    insecure,
  )
  await oauth.processClientCredentialsResponse(as, o4wClient, response)
}

// openid-client v6
const config = await openid.discovery(
  new URL(issuer),
  clientId,
  undefined,
  openid.ClientSecretBasic(clientSecret),
  { execute: [openid.allowInsecureRequests] },
)
async function openidClient() {
  await openid.clientCredentialsGrant(config, { scope })
}

// @oauthkit/core: the uncached grant every leaf shares
const metadata = await core.discover(issuer, { allowInsecureRequests: true })
const context = core.createClientContext({
  metadata,
  clientId,
  clientAuth: oauth.ClientSecretBasic(clientSecret),
  http: { allowInsecureRequests: true },
})
async function oauthkitCore() {
  await core.clientCredentialsGrant(context, { scope })
}

// @oauthkit/node: clientCredentials() with an empty cache each time (a new scope per call, so
// every call misses the cache and requests a token)
const client = createServerClient({ issuer, clientId, clientSecret, allowInsecureRequests: true })
await client.clientCredentials({ scope })
let n = 0
async function oauthkitNode() {
  await client.clientCredentials({ scope: `${scope} n${n++}` })
}

const candidates = {
  'raw fetch POST': rawFetch,
  oauth4webapi,
  'openid-client': openidClient,
  '@oauthkit/core clientCredentialsGrant': oauthkitCore,
  '@oauthkit/node clientCredentials() (cache miss)': oauthkitNode,
}

const samples = await interleave(candidates, {
  rounds: ROUNDS,
  warmup: 2,
  label: 'token-request',
  measure: async (fn) => 1e6 / (await rate(fn, { ms: SLICE_MS, batch: 8 })),
})
const stats = await server.stats()
await server.close()

const rows = Object.keys(candidates).map((name) => ({ name, samples: samples[name] }))
report(
  table({
    title: 'Token request overhead (client credentials, local node:http endpoint, no cache)',
    unit: 'µs/request',
    baseline: 'oauth4webapi',
    rows,
    notes: [
      `Sequential requests over keep-alive, ${SLICE_MS} ms slices × ${ROUNDS} interleaved rounds; ` +
        `the server (worker thread) answered ${stats['/token'] ?? 0} token requests.`,
    ],
  }),
)
