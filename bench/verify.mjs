// verify() per second for RS256, ES256 and EdDSA JWT access tokens (RFC 9068), one at a time,
// compared in the same run with jose's jwtVerify (same token, same claim checks, local JWK set),
// oauth4webapi's validateJwtAccessToken (the engine oauthkit wraps) and a raw crypto.subtle.verify
// of the same signature with the key already imported: the floor, which checks no claims at all.
// Every candidate verifies the same token; medians of interleaved rounds. oauthkit is measured
// twice: with `verifiedTokenCache: false` (full verification every call, the row comparable with the others)
// and as configured by default, where the repeated token is answered by its verified-token cache.
// Uses the built packages: run `npm run build` first.
import { webcrypto } from 'node:crypto'
import { createAccessTokenVerifier } from '@oauthkit/node'
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose'
import * as oauth from 'oauth4webapi'
import { interleave, log, rate, report, table } from './lib/harness.mjs'
import { startTokenServer } from './lib/token-server.mjs'

const { subtle } = webcrypto
const audience = 'https://api.example.com'
const subtleParams = {
  RS256: { name: 'RSASSA-PKCS1-v1_5' },
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
  EdDSA: { name: 'Ed25519' },
}
const importParams = {
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  EdDSA: { name: 'Ed25519' },
}
const ALGORITHMS = ['RS256', 'ES256', 'EdDSA']

const keys = {}
for (const alg of ALGORITHMS) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  keys[alg] = { privateKey, jwk: { ...(await exportJWK(publicKey)), kid: alg, alg, use: 'sig' } }
}
const jwks = { keys: Object.values(keys).map((key) => key.jwk) }
const server = await startTokenServer({ jwks })
const tables = []
try {
  for (const alg of ALGORITHMS) {
    const now = Math.floor(Date.now() / 1000)
    const token = await new SignJWT({
      sub: 'user-1',
      client_id: 'app',
      jti: crypto.randomUUID(),
      scope: 'read write',
    })
      .setProtectedHeader({ alg, kid: alg, typ: 'at+jwt' })
      .setIssuer(server.issuer)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(keys[alg].privateKey)

    const options = { issuer: server.issuer, audience, allowInsecureRequests: true }
    const verifier = createAccessTokenVerifier({ ...options, verifiedTokenCache: false })
    const cached = createAccessTokenVerifier(options)
    for (const v of [verifier, cached]) {
      await v.verify(`Bearer ${token}`, { scopes: ['read'] }) // discovery + JWKS, once
    }

    // The engine alone: the same metadata, its own JWKS memory, the Request built once.
    const as = { issuer: server.issuer, jwks_uri: `${server.issuer}/jwks` }
    const engineOptions = { [oauth.allowInsecureRequests]: true, [oauth.jwksCache]: {} }
    const request = new Request(`${audience}/things`, {
      headers: { authorization: `Bearer ${token}` },
    })
    const engine = () => oauth.validateJwtAccessToken(as, request, audience, engineOptions)
    await engine()

    const localSet = createLocalJWKSet(jwks)
    const joseOptions = { issuer: server.issuer, audience, typ: 'at+jwt', algorithms: [alg] }
    await jwtVerify(token, localSet, joseOptions)

    const [header, payload, signature] = token.split('.')
    const data = new TextEncoder().encode(`${header}.${payload}`)
    const sig = Buffer.from(signature, 'base64url')
    const key = await subtle.importKey('jwk', keys[alg].jwk, importParams[alg], false, ['verify'])
    if (!(await subtle.verify(subtleParams[alg], key, sig, data))) throw new Error('floor broken')

    log(alg)
    const samples = await interleave(
      {
        '@oauthkit/node verify() (verifiedTokenCache: false)': () =>
          verifier.verify(`Bearer ${token}`, { scopes: ['read'] }),
        'jose jwtVerify()': () => jwtVerify(token, localSet, joseOptions),
        'oauth4webapi validateJwtAccessToken()': engine,
        'crypto.subtle.verify (floor)': () => subtle.verify(subtleParams[alg], key, sig, data),
        '@oauthkit/node verify() (default: cached)': () =>
          cached.verify(`Bearer ${token}`, { scopes: ['read'] }),
      },
      { rounds: 10, warmup: 2, measure: (fn) => rate(fn, { ms: 250 }), label: alg },
    )
    tables.push(
      table({
        title: `${alg}: verifications per second (one at a time, same token)`,
        unit: 'verify/s',
        baseline: 'jose jwtVerify()',
        higherIsBetter: true,
        rows: Object.entries(samples).map(([name, values]) => ({ name, samples: values })),
        notes: [
          'oauthkit checks typ, iss, aud, exp, nbf, required claims and scope; oauth4webapi the same minus scope; jose the same minus scope and the RFC 9068 required claims; the floor checks nothing but the signature.',
          'The cached row repeats one token: after the first call its signature is not checked again (header checks, key lookup, exp, nbf and scope still are). It is not comparable with the other rows; see verify-concurrency.mjs for a realistic mix.',
        ],
      }),
    )
  }
} finally {
  await server.close()
}
report(...tables)
