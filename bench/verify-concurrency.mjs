// JWT access-token verification (RFC 9068) beyond bench/verify.mjs: EdDSA tokens, 16
// verifications in flight, and a realistic API workload where each token is presented 100 times
// before it expires. Compares @oauthkit/node's verifier (as configured by default, with its
// verified-token cache, and with `verifiedTokenCache: false`) with jose `jwtVerify` (remote JWKS set),
// oauth4webapi `validateJwtAccessToken`, and the floor: `crypto.subtle.verify` with the key already
// imported plus decoding the payload (no claim checks at all).
// Every round gives each verifier a fresh instance (empty caches), warms it with one token (JWKS
// fetched from a local node:http server), then verifies a pool of distinct tokens.
// Budgets under --check, all ratios of figures measured in the same run, with wide headroom:
// both oauthkit rows ≤ 3.5× the raw subtle time per token on distinct tokens with 16 in flight
// (the RS256, ES256 and EdDSA tables, where a cache cannot help and must not cost much; the
// one-in-flight table has no budget, see below); on the workload, the cached verifier
// ≤ 0.5× the raw floor and ≤ 0.25× itself with `verifiedTokenCache: false` (measured ~0.12× for both).
import { webcrypto } from 'node:crypto'
import { createRemoteJWKSet, exportJWK, jwtVerify, SignJWT } from 'jose'
import * as oauth from 'oauth4webapi'
import { interleave, log, median, report, table } from './lib/harness.mjs'
import { importBuilt } from './lib/installed-packages.mjs'
import { startTokenServer } from './lib/token-server.mjs'

const { createAccessTokenVerifier } = await importBuilt('@oauthkit/node')
const { subtle } = webcrypto
// 3.5x, not 2.5x: in the final fresh-clone CI run of the session-engine round the RS256 table
// measured 3.01x (cached) and 2.70x (uncached) while oauth4webapi's own validateJwtAccessToken
// measured 3.32x and jose 2.75x in the same run: the raw floor ran far ahead of every JWT library
// at 16 in flight. In the performance round's first fresh-clone CI run the uncached verifier
// measured 1.08x (RS256), 1.10x (ES256) and 1.24x (EdDSA), oauth4webapi 1.83x, 1.30x and 1.54x:
// the JWKS cache hands over a fresh key set without a promise now, but a swing of the libraries'
// own rows by 2x between runs says this ratio measures the machine's scheduling as much as the
// code, so the budget keeps its headroom. It still fails a verifier that falls behind the
// libraries it is measured with.
const BUDGET = 3.5
const CACHED_VS_FLOOR_BUDGET = 0.5
const CACHED_VS_UNCACHED_BUDGET = 0.25
const ROUNDS = 10
const POOL = 1000 // distinct tokens per algorithm
const IN_FLIGHT = 16
const WORKLOAD_TOKENS = 20
const WORKLOAD_PRESENTATIONS = 100
const audience = 'https://api.example.com'

const algorithms = {
  RS256: {
    generate: {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    },
    verify: { name: 'RSASSA-PKCS1-v1_5' },
  },
  ES256: {
    generate: { name: 'ECDSA', namedCurve: 'P-256' },
    verify: { name: 'ECDSA', hash: 'SHA-256' },
  },
  EdDSA: { generate: { name: 'Ed25519' }, verify: { name: 'Ed25519' } },
}

log('verify-concurrency: generating keys and tokens')
const jwks = { keys: [] }
for (const [alg, spec] of Object.entries(algorithms)) {
  const pair = await subtle.generateKey(spec.generate, true, ['sign', 'verify'])
  spec.privateKey = pair.privateKey
  spec.publicKey = pair.publicKey
  spec.kid = `bench-${alg}`
  jwks.keys.push({ ...(await exportJWK(pair.publicKey)), kid: spec.kid, alg, use: 'sig' })
}
const server = await startTokenServer({ jwks })
const { issuer } = server
const as = { issuer, jwks_uri: `${issuer}/jwks` }

let serial = 0
async function sign(alg, ttl = 3600) {
  const spec = algorithms[alg]
  serial++
  return new SignJWT({ client_id: 'bench-client', scope: 'api:read api:write' })
    .setProtectedHeader({ alg, typ: 'at+jwt', kid: spec.kid })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject(`user-${serial}`)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttl)
    .setJti(`jti-${serial}`)
    .sign(spec.privateKey)
}
async function signMany(alg, n) {
  const tokens = []
  for (let i = 0; i < n; i++) tokens.push(await sign(alg))
  return tokens
}
const pools = {}
const warmTokens = {}
for (const alg of Object.keys(algorithms)) {
  pools[alg] = await signMany(alg, POOL)
  warmTokens[alg] = await sign(alg)
}
const workloadTokens = await signMany('RS256', WORKLOAD_TOKENS)
// Real traffic: the tokens' requests interleave (t1 t2 ... t20 t1 t2 ...), 100 rounds.
const workload = []
for (let i = 0; i < WORKLOAD_PRESENTATIONS; i++) workload.push(...workloadTokens)

// --- the verifiers; each factory returns a fresh instance (empty caches) -----------------------

function rawSubtle() {
  const keys = new Map(Object.values(algorithms).map((spec) => [spec.kid, spec]))
  const decoder = new TextDecoder()
  const encoder = new TextEncoder()
  return async (token) => {
    const [h, p, s] = token.split('.')
    const header = JSON.parse(decoder.decode(Buffer.from(h, 'base64url')))
    const spec = keys.get(header.kid)
    const ok = await subtle.verify(
      spec.verify,
      spec.publicKey,
      Buffer.from(s, 'base64url'),
      encoder.encode(`${h}.${p}`),
    )
    if (!ok) throw new Error('bad signature')
    return JSON.parse(decoder.decode(Buffer.from(p, 'base64url')))
  }
}

function joseVerifier() {
  const keySet = createRemoteJWKSet(new URL(as.jwks_uri))
  return async (token) =>
    (await jwtVerify(token, keySet, { issuer, audience, typ: 'at+jwt' })).payload
}

function oauth4webapiVerifier() {
  const options = { [oauth.allowInsecureRequests]: true, [oauth.jwksCache]: {} }
  return (token) =>
    oauth.validateJwtAccessToken(
      as,
      new Request('http://127.0.0.1/api', { headers: { authorization: `Bearer ${token}` } }),
      audience,
      options,
    )
}

function oauthkitVerifier(extra = {}) {
  return () => {
    const verifier = createAccessTokenVerifier({
      issuer,
      audience,
      allowInsecureRequests: true,
      ...extra,
    })
    return (token) => verifier.verify(token)
  }
}

const FLOOR = 'crypto.subtle.verify (raw)'
const CACHED = '@oauthkit/node verify() (default: cached)'
const UNCACHED = '@oauthkit/node verify() (verifiedTokenCache: false)'
const OAUTHKIT = [CACHED, UNCACHED]
const factories = {
  [FLOOR]: rawSubtle,
  'jose jwtVerify': joseVerifier,
  'oauth4webapi validateJwtAccessToken': oauth4webapiVerifier,
  [CACHED]: oauthkitVerifier(),
  [UNCACHED]: oauthkitVerifier({ verifiedTokenCache: false }),
}

async function runAll(verify, tokens, inFlight) {
  let next = 0
  const lane = async () => {
    while (next < tokens.length) await verify(tokens[next++])
  }
  await Promise.all(Array.from({ length: inFlight }, lane))
}

/** µs of wall time per token: fresh instance, warmed with one token, then the whole list. */
async function measure(factory, alg, tokens, inFlight) {
  const verify = factory()
  await verify(warmTokens[alg])
  const start = performance.now()
  await runAll(verify, tokens, inFlight)
  return ((performance.now() - start) * 1000) / tokens.length
}

const tables = []
const results = {}
async function scenario(key, title, alg, tokens, inFlight, notes = [], budget = undefined) {
  log(`verify-concurrency: ${title}`)
  const samples = await interleave(factories, {
    rounds: ROUNDS,
    warmup: 2,
    label: key,
    measure: (factory) => measure(factory, alg, tokens, inFlight),
  })
  results[key] = samples
  const rows = Object.keys(factories).map((name) => ({ name, samples: samples[name] }))
  tables.push(
    table({
      title,
      unit: 'µs/token',
      baseline: FLOOR,
      rows,
      budget: budget === false ? undefined : (budget ?? { row: OAUTHKIT, max: BUDGET }),
      notes: [
        `Wall time per token, ${tokens.length} tokens per sample, ${inFlight} in flight, ` +
          `${ROUNDS} interleaved rounds; fresh verifier (empty caches) per sample.`,
        ...notes,
      ],
    }),
  )
}

// No budget on this table: with one verification in flight, each waits for its own thread-pool
// hop, and on a loaded CI machine that scheduling latency, not the verifier, sets the time (one
// run on a busy 2-core box: raw floor p25–p75 192–936 µs, oauthkit `verifiedTokenCache: false` 3.1x the floor
// while the same verifier was 1.2x with 16 in flight). The 16-in-flight tables budget the same
// verifiers, and bench/verify.mjs compares them one at a time without a budget.
await scenario(
  'eddsa-1',
  'Verify EdDSA (Ed25519) access tokens, 1 in flight',
  'EdDSA',
  pools.EdDSA,
  1,
  ['No budget: one in flight measures scheduling latency on a loaded machine (see the script).'],
  false,
)
for (const alg of Object.keys(algorithms)) {
  await scenario(
    `${alg}-16`,
    `Verify ${alg} access tokens, ${IN_FLIGHT} in flight`,
    alg,
    pools[alg],
    IN_FLIGHT,
  )
}
await scenario(
  'workload',
  `API workload: ${WORKLOAD_TOKENS} RS256 tokens each presented ${WORKLOAD_PRESENTATIONS} times, ${IN_FLIGHT} in flight`,
  'RS256',
  workload,
  IN_FLIGHT,
  [
    'The cached row verifies each token in full on its first presentation (20 of 2,000), then ' +
      'answers from the cache: header checks, key lookup, exp, nbf and scopes still run each time.',
  ],
  { row: CACHED, max: CACHED_VS_FLOOR_BUDGET },
)

// The cache's own effect: the same verifier with and without it, on the same workload, same run.
tables.push(
  table({
    title: `Verified-token cache on the API workload (RS256, ${IN_FLIGHT} in flight)`,
    unit: 'µs/token',
    baseline: UNCACHED,
    rows: [UNCACHED, CACHED].map((name) => ({ name, samples: results.workload[name] })),
    budget: { row: CACHED, max: CACHED_VS_UNCACHED_BUDGET },
    notes: [
      `Both rows come from the workload table above (${WORKLOAD_TOKENS} tokens × ` +
        `${WORKLOAD_PRESENTATIONS} presentations, fresh verifier per sample).`,
    ],
  }),
)

// Does a verifier gain from tokens being presented again? Its time per token relative to the raw
// floor (which never caches) on distinct RS256 tokens, divided by the same on the workload. A
// verifier that caches verified tokens skips the signature on 99 of 100 presentations and gains
// several times; one that does not stays near 1×.
const relative = (key, name) => median(results[key][name]) / median(results[key][FLOOR])
const speedups = Object.keys(factories).map((name) => {
  const speedup = relative(`RS256-${IN_FLIGHT}`, name) / relative('workload', name)
  return {
    name,
    value: speedup,
    note:
      name === FLOOR
        ? 'verifies every presentation (by construction)'
        : speedup >= 2
          ? `caches verified tokens: ${speedup.toFixed(1)}× less work per presentation`
          : 'no cache of verified tokens: every presentation is verified again',
  }
})
tables.push(
  table({
    title: `Gain from repeated presentations (RS256, ${IN_FLIGHT} in flight)`,
    unit: 'speed-up',
    baseline: FLOOR,
    rows: speedups,
    higherIsBetter: true,
    notes: [
      'No budget here: this figure combines four medians from two tables; the cache is budgeted ' +
        'directly in the two tables above.',
      'Speed-up = (verifier ÷ raw floor on distinct tokens) ÷ (verifier ÷ raw floor on the workload); ' +
        'around 1× means the repeated tokens cost as much as new ones.',
    ],
  }),
)
await server.close()
report(...tables)
