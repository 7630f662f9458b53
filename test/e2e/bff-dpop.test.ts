// The BFF with DPoP (RFC 9449) against the devserver requiring server nonces: the tokens it gets
// are DPoP-bound, the upstream API (the node verifier, through withAccessToken, plus nonces of its
// own) accepts them with the proof the proxy makes for each request, refresh under the proxy
// keeps the binding, two instances sharing a key pair and a store serve one session, and a proof
// never works for another URL or method.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { createMemorySessionStore } from '@oauthkit/core'
import { type DevServer, startDevServer } from '@oauthkit/devserver'
import { createAccessTokenVerifier, createServerClient, withAccessToken } from '@oauthkit/node'
import { type Bff, type BffOptions, createBff, toNodeHandler } from '@oauthkit/node/bff'
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, type JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BffBrowser } from '../fixtures/bff-browser.js'
import { bffOptions } from '../fixtures/bff-options.js'
import { close, listen } from '../fixtures/listen.js'

let devserver: DevServer
let app: Server
let api: Server
let origin: string
let apiOrigin: string
let bff: Bff
let options: BffOptions
let keyPair: CryptoKeyPair
let fleetJwk: JsonWebKey
// The upstream's own DPoP nonce (RFC 9449 §9): a proof without it gets a `use_dpop_nonce`
// challenge. Tests rotate it to make the proxy meet the challenge again.
let upstreamNonce = 'nonce-1'
interface Seen {
  url: string
  method: string
  authorization: string
  proof: string
  status: number
  body: string
}
const seen: Seen[] = []

async function toRequest(req: IncomingMessage): Promise<{ request: Request; body: string }> {
  let body = ''
  for await (const chunk of req) body += chunk
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value)
  }
  const init: RequestInit = { method: req.method as string, headers }
  if (req.method !== 'GET' && req.method !== 'HEAD') init.body = body
  // The URL the client called, from the server's own origin (never from Host).
  return { request: new Request(`${apiOrigin}${req.url}`, init), body }
}

beforeAll(async () => {
  let handler: ReturnType<typeof toNodeHandler> | undefined
  app = createServer((req, res) => handler?.(req, res))
  origin = await listen(app)
  devserver = await startDevServer({
    dpopNonce: true,
    ttl: { accessToken: 4 },
    redirectUris: [`${origin}/auth/callback`],
  })
  const verifier = createAccessTokenVerifier({
    issuer: devserver.issuer,
    audience: devserver.resource,
    allowInsecureRequests: true,
  })
  const protectedApi = withAccessToken(verifier, (request, claims) =>
    Response.json({
      sub: claims.sub,
      jkt: (claims.cnf as { jkt?: string })?.jkt,
      url: request.url,
    }),
  )
  api = createServer(async (req, res) => {
    const { request, body } = await toRequest(req)
    const proof = request.headers.get('dpop') ?? ''
    let response: Response
    let proofNonce: unknown
    try {
      proofNonce = decodeJwt(proof).nonce
    } catch {
      proofNonce = undefined
    }
    if (proof && proofNonce !== upstreamNonce) {
      response = new Response(null, {
        status: 401,
        headers: {
          'www-authenticate': 'DPoP error="use_dpop_nonce", error_description="nonce required"',
          'dpop-nonce': upstreamNonce,
        },
      })
    } else {
      response = await protectedApi(request)
    }
    seen.push({
      url: request.url,
      method: request.method,
      authorization: request.headers.get('authorization') ?? '',
      proof,
      status: response.status,
      body,
    })
    res.writeHead(response.status, Object.fromEntries(response.headers))
    res.end(Buffer.from(await response.arrayBuffer()))
  })
  apiOrigin = await listen(api)
  // The fleet's key, as the app would keep it in its secret configuration: a private JWK.
  const generated = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair
  fleetJwk = await crypto.subtle.exportKey('jwk', generated.privateKey)
  keyPair = await importDPoPKey(fleetJwk)
  options = bffOptions(devserver, origin, `${apiOrigin}/v1/orders`, {
    store: createMemorySessionStore<unknown>(),
    dpop: keyPair,
  })
  bff = createBff(options)
  handler = toNodeHandler(bff)
})
afterAll(async () => {
  await Promise.all([devserver?.close(), close(app), close(api)])
})

// What each instance of a fleet does at start-up (as in the README): the private key imported
// non-extractable, the public one extractable (it goes into every proof's header).
async function importDPoPKey(jwk: JsonWebKey): Promise<CryptoKeyPair> {
  const { d: _, key_ops: __, ...publicJwk } = jwk
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256' }
  return {
    privateKey: await crypto.subtle.importKey('jwk', jwk, algorithm, false, ['sign']),
    publicKey: await crypto.subtle.importKey('jwk', publicJwk, algorithm, true, ['verify']),
  }
}

const thumbprint = async () =>
  calculateJwkThumbprint((await crypto.subtle.exportKey('jwk', keyPair.publicKey)) as JWK)
const accepted = () => seen.filter((s) => s.status === 200)

describe('BFF with DPoP: the proxy sends DPoP-bound tokens with a proof per request', () => {
  it('gets DPoP-bound tokens (cnf.jkt of the configured key) and sends them with a proof the API accepts', async () => {
    const browser = new BffBrowser(origin, devserver)
    await browser.login()
    seen.length = 0
    const response = await browser.fetch('/api/orders/42?x=1')
    expect(response.status).toBe(200)
    const jkt = await thumbprint()
    expect(await response.json()).toEqual({
      sub: 'user-alice',
      jkt,
      url: `${apiOrigin}/v1/orders/42?x=1`,
    })
    // The first call met the upstream's nonce challenge and was sent once more with its nonce.
    expect(seen.map((s) => s.status)).toEqual([401, 200])
    const [, ok] = seen as [Seen, Seen]
    // The scheme is DPoP only for a token issued with token_type DPoP.
    expect(ok.authorization).toMatch(/^DPoP eyJ/)
    const token = ok.authorization.slice('DPoP '.length)
    expect(decodeJwt(token).cnf).toEqual({ jkt })
    const header = decodeProtectedHeader(ok.proof)
    expect(header).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256' })
    expect(await calculateJwkThumbprint(header.jwk as JWK)).toBe(jkt)
    const proof = decodeJwt(ok.proof)
    expect(proof).toMatchObject({
      htm: 'GET',
      htu: `${apiOrigin}/v1/orders/42`, // RFC 9449 §4.2: no query
      nonce: upstreamNonce,
      ath: Buffer.from(
        await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)),
      ).toString('base64url'),
    })
    // The nonce is kept for the origin: the next call needs one request.
    seen.length = 0
    expect((await browser.fetch('/api/orders/43')).status).toBe(200)
    expect(seen.map((s) => s.status)).toEqual([200])
  })

  it('a new upstream nonce mid-session: a POST is retried once with its body intact', async () => {
    const browser = new BffBrowser(origin, devserver)
    await browser.login()
    await browser.fetch('/api/orders/1')
    upstreamNonce = 'nonce-2'
    seen.length = 0
    const response = await browser.fetch('/api/orders/7', {
      method: 'POST',
      body: 'a streamed order',
      headers: { 'content-type': 'text/plain' },
    })
    expect(response.status).toBe(200)
    expect(seen.map((s) => [s.status, s.method, s.body])).toEqual([
      [401, 'POST', 'a streamed order'],
      [200, 'POST', 'a streamed order'],
    ])
    expect(decodeJwt((seen[1] as Seen).proof)).toMatchObject({ htm: 'POST', nonce: 'nonce-2' })
  })

  it('every request gets its own proof, and none works for another URL or method', async () => {
    const browser = new BffBrowser(origin, devserver)
    await browser.login()
    seen.length = 0
    await browser.fetch('/api/orders/1')
    await browser.fetch('/api/orders/1')
    const [first, second] = accepted() as [Seen, Seen]
    expect(decodeJwt(first.proof).jti).not.toBe(decodeJwt(second.proof).jti)
    const replay = (path: string, method = 'GET') =>
      fetch(`${apiOrigin}${path}`, {
        method,
        headers: { authorization: first.authorization, dpop: first.proof },
      })
    const otherUrl = await replay('/v1/orders/2')
    expect(otherUrl.status).toBe(401)
    expect(otherUrl.headers.get('www-authenticate')).toMatch(/invalid_(token|dpop_proof)/)
    expect((await replay('/v1/admin')).status).toBe(401)
    expect((await replay('/v1/orders/1', 'DELETE')).status).toBe(401)
    // The bound token without its proof (sent as Bearer) is refused too.
    const bearer = await fetch(`${apiOrigin}/v1/orders/1`, {
      headers: { authorization: first.authorization.replace(/^DPoP/, 'Bearer') },
    })
    expect(bearer.status).toBe(401)
  })

  it('refreshes under the proxy when the access token expires; the new token is bound to the same key', async () => {
    const browser = new BffBrowser(origin, devserver)
    await browser.login()
    seen.length = 0
    await browser.fetch('/api/orders/1')
    await new Promise((resolve) => setTimeout(resolve, 2_200)) // past half of the 4 s lifetime
    const results = await Promise.all([1, 2, 3].map(() => browser.fetch('/api/orders/2')))
    expect(results.map((r) => r.status)).toEqual([200, 200, 200])
    const tokens = accepted().map((s) => decodeJwt(s.authorization.slice('DPoP '.length)))
    expect(new Set(tokens.map((t) => t.jti)).size).toBe(2) // one refresh for all three calls
    const jkt = await thumbprint()
    for (const token of tokens) expect(token.cnf).toEqual({ jkt })
  })

  it('two instances sharing the key (a JWK each imports) and the store serve one session, refresh included', async () => {
    const other = createBff({ ...options, dpop: await importDPoPKey(fleetJwk) })
    const otherApp = createServer(toNodeHandler(other))
    const otherOrigin = await listen(otherApp)
    try {
      const browser = new BffBrowser(origin, devserver)
      await browser.login() // on the first instance
      await new Promise((resolve) => setTimeout(resolve, 2_200))
      seen.length = 0
      // The second instance refreshes the session and proxies with the shared key.
      const response = await browser.fetch('/api/orders/3', { base: otherOrigin })
      expect(response.status).toBe(200)
      expect((await response.json()).jkt).toBe(await thumbprint())
      expect((await browser.fetch('/api/orders/4')).status).toBe(200)
    } finally {
      await close(otherApp)
    }
  })
})

describe('createServerClient({ dpop })', () => {
  it('client credentials get a DPoP-bound token from a generated ES256 key', async () => {
    const client = createServerClient({
      issuer: devserver.issuer,
      clientId: 'service',
      clientSecret: devserver.clients.service?.clientSecret as string,
      allowInsecureRequests: true,
      dpop: true,
    })
    const tokenSet = await client.clientCredentials({
      scope: 'api:read',
      resource: devserver.resource,
    })
    expect(tokenSet.tokenType).toBe('DPoP')
    const handle = await client.dpopHandle()
    expect(decodeJwt(tokenSet.accessToken).cnf).toEqual({
      jkt: await handle?.calculateThumbprint(),
    })
  })

  it.each([
    ['a string', 'yes'],
    ['a key pair without keys', {}],
    ['a public key as the private one', 'swap'],
  ])('refuses %s with ERR_INVALID_ARG_TYPE naming dpop', async (_, value) => {
    const dpop =
      value === 'swap' ? { privateKey: keyPair.publicKey, publicKey: keyPair.publicKey } : value
    expect(() =>
      createServerClient({
        issuer: devserver.issuer,
        clientId: 'service',
        clientSecret: 'x',
        allowInsecureRequests: true,
        dpop: dpop as never,
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARG_TYPE',
        message: expect.stringContaining('"dpop"'),
      }),
    )
  })

  it('without dpop the handle is undefined and tokens stay Bearer', async () => {
    const client = createServerClient({
      issuer: devserver.issuer,
      clientId: 'service',
      clientSecret: devserver.clients.service?.clientSecret as string,
      allowInsecureRequests: true,
    })
    expect(await client.dpopHandle()).toBeUndefined()
    expect((await client.clientCredentials({ scope: 'api:read' })).tokenType).toBe('Bearer')
  })
})
