// Encrypted JWT access tokens (RFC 9068 §2.1: a JWE whose plaintext is the signed JWT): decrypt +
// verify per token with @oauthkit/node's verifier, next to jose doing the same two steps by hand
// (compactDecrypt, then jwtVerify with the same claim checks) in the same run, for RSA-OAEP-256
// and ECDH-ES+A256KW (both A256GCM) around an ES256 JWT. Also: the same JWT unencrypted through
// the same verifier (what decryption adds), and the verified-token cache on a workload of 20
// encrypted tokens presented 50 times each (a repeat skips decryption and signature alike).
// Then a lazy-loading check: a verifier without decryption keys never loads jose.
// Uses the built packages: run `npm run build` first.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createAccessTokenVerifier } from '@oauthkit/node'
import {
  CompactEncrypt,
  compactDecrypt,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
} from 'jose'
import { interleave, log, rate, report, table, time } from './lib/harness.mjs'
import { startTokenServer } from './lib/token-server.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const audience = 'https://api.example.com'
const signing = await generateKeyPair('ES256', { extractable: true })
const signingJwk = { ...(await exportJWK(signing.publicKey)), kid: 'sig', alg: 'ES256', use: 'sig' }
const jwks = { keys: [signingJwk] }
const server = await startTokenServer({ jwks })
const encoder = new TextEncoder()
const decoder = new TextDecoder()

async function signed() {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ sub: 'user-1', client_id: 'app', jti: crypto.randomUUID(), scope: 'read' })
    .setProtectedHeader({ alg: 'ES256', kid: 'sig', typ: 'at+jwt' })
    .setIssuer(server.issuer)
    .setAudience(audience)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(signing.privateKey)
}

async function encrypted(jwt, alg, publicKey) {
  return new CompactEncrypt(encoder.encode(jwt))
    .setProtectedHeader({ alg, enc: 'A256GCM', kid: alg, cty: 'at+jwt' })
    .encrypt(publicKey)
}

const tables = []
try {
  for (const alg of ['RSA-OAEP-256', 'ECDH-ES+A256KW']) {
    const pair = await generateKeyPair(alg, { extractable: true })
    const privateJwk = { ...(await exportJWK(pair.privateKey)), kid: alg, alg, use: 'enc' }
    const options = {
      issuer: server.issuer,
      audience,
      allowInsecureRequests: true,
      decryptionKeys: [privateJwk],
    }
    const uncached = createAccessTokenVerifier({ ...options, verifiedTokenCache: false })
    const cached = createAccessTokenVerifier(options)
    const jwt = await signed()
    const token = await encrypted(jwt, alg, pair.publicKey)
    for (const v of [uncached, cached]) await v.verify(`Bearer ${token}`) // discovery, JWKS, jose

    const localSet = createLocalJWKSet(jwks)
    const joseDecrypt = { keyManagementAlgorithms: [alg], contentEncryptionAlgorithms: ['A256GCM'] }
    const joseVerify = { issuer: server.issuer, audience, typ: 'at+jwt', algorithms: ['ES256'] }
    const jose = async () => {
      const { plaintext } = await compactDecrypt(token, pair.privateKey, joseDecrypt)
      return jwtVerify(decoder.decode(plaintext), localSet, joseVerify)
    }
    await jose()

    log(alg)
    const samples = await interleave(
      {
        '@oauthkit/node verify() (verifiedTokenCache: false)': () =>
          uncached.verify(`Bearer ${token}`, { scopes: ['read'] }),
        'jose compactDecrypt() + jwtVerify()': jose,
        '@oauthkit/node verify() of the same JWT, unencrypted (cache off)': () =>
          uncached.verify(`Bearer ${jwt}`, { scopes: ['read'] }),
        '@oauthkit/node verify() (default: cached)': () =>
          cached.verify(`Bearer ${token}`, { scopes: ['read'] }),
      },
      { rounds: 8, warmup: 2, measure: (fn) => rate(fn, { ms: 250 }), label: alg },
    )
    tables.push(
      table({
        title: `${alg} + A256GCM around ES256: decrypt + verify per second (one at a time, same token)`,
        unit: 'verify/s',
        baseline: 'jose compactDecrypt() + jwtVerify()',
        higherIsBetter: true,
        rows: Object.entries(samples).map(([name, values]) => ({ name, samples: values })),
        notes: [
          'oauthkit additionally checks the JWE header policy (alg/enc allow-list, kid, zip, crit, cty), that the plaintext is a JWS not signed with none, and the RFC 9068 required claims and scope; jose is given its key directly (no kid lookup).',
          'The cached row repeats one token: after the first call it is neither decrypted nor signature-checked again (header checks, key lookup, exp, nbf and scope still run).',
        ],
      }),
    )

    // The cache on a realistic mix: 20 tokens, each presented 50 times, shuffled.
    const tokens = await Promise.all(
      Array.from({ length: 20 }, async () => encrypted(await signed(), alg, pair.publicKey)),
    )
    const presentations = tokens.flatMap((t) => Array(50).fill(t))
    for (let i = presentations.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1))
      ;[presentations[i], presentations[j]] = [presentations[j], presentations[i]]
    }
    const workload = (make) => async () => {
      const v = make()
      for (const t of presentations) await v.verify(`Bearer ${t}`)
    }
    const mix = await interleave(
      {
        'verifiedTokenCache: false': workload(() =>
          createAccessTokenVerifier({ ...options, verifiedTokenCache: false }),
        ),
        'default (cached)': workload(() => createAccessTokenVerifier(options)),
      },
      { rounds: 5, warmup: 1, measure: (fn) => time(fn), label: `${alg} workload` },
    )
    tables.push(
      table({
        title: `${alg}: 20 encrypted tokens × 50 presentations (1,000 verify() calls, fresh verifier)`,
        unit: 'ms',
        baseline: 'verifiedTokenCache: false',
        rows: Object.entries(mix).map(([name, values]) => ({ name, samples: values })),
        notes: [
          'Each token is decrypted and verified in full once with the cache, 50 times without.',
        ],
      }),
    )
  }
} finally {
  await server.close()
}

// Lazy loading: a child process whose module loader refuses anything under node_modules/jose.
// Without decryption keys a verifier creates, and verifies a token's header, without jose; with
// them, the first encrypted token needs it.
const hook = `data:text/javascript,${encodeURIComponent(
  "export async function load(url, context, next) { if (url.includes('/node_modules/jose/')) throw new Error('jose loaded'); return next(url, context) }",
)}`
const probe = (keys) => `
  import { register } from 'node:module'
  register(${JSON.stringify(hook)})
  const { createAccessTokenVerifier } = await import('@oauthkit/node')
  const jwe = ['eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIiwiY3R5IjoiSldUIn0', 'a', 'b', 'c', 'd'].join('.')
  const issuer = 'https://as.example'
  const metadata = { issuer, jwks_uri: issuer + '/jwks' }
  const v = createAccessTokenVerifier({ issuer, audience: 'x', metadata, ${keys} })
  const outcome = await v.verify('Bearer ' + jwe).then(() => 'accepted', (e) => e.code ?? e.message)
  process.stdout.write(outcome)`
const rsa = await generateKeyPair('RSA-OAEP-256', { extractable: true })
const rsaJwk = JSON.stringify({ ...(await exportJWK(rsa.privateKey)), alg: 'RSA-OAEP-256' })
const run = (source) => {
  try {
    return execFileSync(process.execPath, ['--input-type=module', '-e', source], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
  } catch (err) {
    return `failed: ${String(err.stderr).match(/jose loaded/) ? 'jose loaded' : err.message}`
  }
}
const without = run(probe(''))
const withKeys = run(probe(`decryptionKeys: [${rsaJwk}]`))
log(`lazy jose: without keys -> ${without}; with keys -> ${withKeys}`)
const lazy = without === 'ERR_JWE_NOT_ACCEPTED' && /jose loaded/.test(withKeys)
report(...tables, {
  ok: lazy,
  markdown: [
    '### Lazy loading of jose',
    '',
    `A child process whose loader refuses \`node_modules/jose\`: a verifier without \`decryptionKeys\` answers a JWE with \`${without}\` (jose never loaded); with keys, the same JWE needs jose (\`${withKeys}\`). ${lazy ? 'PASS' : 'FAIL'}.`,
    '',
  ].join('\n'),
})
