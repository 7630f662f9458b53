// Measures @oauthkit/devserver from its build: startup time and client-credentials throughput.
// Usage: npm run build -w @oauthkit/devserver && node packages/devserver/scripts/measure.mjs
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import * as oauth from 'oauth4webapi'

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}
const ms = (value) => `${value.toFixed(1)} ms`

let started = performance.now()
const { startDevServer } = await import('../dist/index.js')
const first = await startDevServer()
const firstStart = performance.now() - started
await first.close()

const backToBack = []
for (let index = 0; index < 20; index++) {
  started = performance.now()
  const server = await startDevServer()
  backToBack.push(performance.now() - started)
  await server.close()
}
// A server normally lives longer than a moment; give the background RSA key time to be ready.
const spaced = []
for (let index = 0; index < 20; index++) {
  await sleep(250)
  started = performance.now()
  const server = await startDevServer()
  spaced.push(performance.now() - started)
  await server.close()
}

const server = await startDevServer()
const insecure = { [oauth.allowInsecureRequests]: true }
const issuer = new URL(server.issuer)
const as = await oauth.processDiscoveryResponse(
  issuer,
  await oauth.discoveryRequest(issuer, insecure),
)
const client = { client_id: 'service' }
const auth = oauth.ClientSecretBasic(server.clients.service.clientSecret)

async function token(parameters) {
  const response = await oauth.clientCredentialsGrantRequest(as, client, auth, parameters, insecure)
  return oauth.processClientCredentialsResponse(as, client, response)
}

async function throughput(label, parameters) {
  for (let index = 0; index < 50; index++) await token(parameters) // warm-up
  const count = 500
  started = performance.now()
  for (let index = 0; index < count; index++) await token(parameters)
  const sequential = count / ((performance.now() - started) / 1000)
  started = performance.now()
  let next = 0
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next++ < count) await token(parameters)
    }),
  )
  const parallel = count / ((performance.now() - started) / 1000)
  console.log(
    `${label.padEnd(28)} sequential ${sequential.toFixed(0).padStart(5)}/s   10 in flight ${parallel.toFixed(0).padStart(5)}/s`,
  )
}

console.log(`node ${process.version}, oidc-provider 9.13.3`)
console.log(`first startDevServer() (incl. import):    ${ms(firstStart)}`)
console.log(`median of 20 back-to-back starts:         ${ms(median(backToBack))}`)
console.log(`median of 20 starts 250 ms apart:         ${ms(median(spaced))}`)
await throughput('client credentials, opaque', { scope: 'api:read' })
await throughput('client credentials, JWT RS256', { scope: 'api:read', resource: server.resource })
await server.close()
