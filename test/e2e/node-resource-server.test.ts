import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type DevServer, startDevServer } from '@oauthkit/devserver'
import {
  accessTokenMiddleware,
  createAccessTokenVerifier,
  createServerClient,
  verifyNodeRequest,
  withAccessToken,
} from '@oauthkit/node'
import { calculateJwkThumbprint, exportJWK } from 'jose'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { refusal } from '../fixtures/refusal.js'
import { until } from './helpers/until.js'

const REDIRECT = 'http://127.0.0.1:5173/callback'

let server: DevServer
let other: DevServer // another issuer, with its own keys
beforeAll(async () => {
  ;[server, other] = await Promise.all([startDevServer(), startDevServer()])
})
afterAll(() => Promise.all([server.close(), other.close()]))

/** A server client for `clientId`, registered at `dev` with a client secret. */
function clientOf(dev: DevServer, clientId: string) {
  return createServerClient({
    issuer: dev.issuer,
    clientId,
    clientSecret: dev.clients[clientId]?.clientSecret as string,
    allowInsecureRequests: true,
  })
}

async function serviceToken(dev: DevServer, scope = 'api:read'): Promise<string> {
  const service = clientOf(dev, 'service')
  return (await service.clientCredentials({ scope, resource: dev.resource })).accessToken
}

function verifierFor(dev: DevServer, audience = dev.resource) {
  return createAccessTokenVerifier({
    issuer: dev.issuer,
    audience,
    allowInsecureRequests: true,
    clockTolerance: 0,
  })
}

describe('createAccessTokenVerifier() with real RFC 9068 tokens from the devserver', () => {
  it('accepts a valid client-credentials JWT access token', async () => {
    const token = await serviceToken(server)
    const claims = await verifierFor(server).verify(`Bearer ${token}`, { scopes: ['api:read'] })
    expect(claims).toMatchObject({
      iss: server.issuer,
      aud: server.resource,
      client_id: 'service',
      scope: expect.stringContaining('api:read'),
    })
  })

  it("accepts a user's access token from the code flow, with the user as sub", async () => {
    const web = clientOf(server, 'web')
    const { url, transaction } = await web.buildAuthorizationUrl({
      redirectUri: REDIRECT,
      scope: 'openid api:read api:write',
      resource: server.resource,
    })
    const { tokenSet } = await web.authorizationCodeGrant(await server.login(url), transaction)
    const claims = await verifierFor(server).verify(tokenSet.accessToken, {
      scopes: ['api:read', 'api:write'],
    })
    expect(claims).toMatchObject({ sub: 'user-alice', client_id: 'web' })
  })

  it('refuses a token for another audience (401 invalid_token)', async () => {
    const token = await serviceToken(server)
    const err = await refusal(verifierFor(server, 'https://other.example.com/api').verify(token))
    expect(err).toMatchObject({
      status: 401,
      error: 'invalid_token',
      code: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
    })
    expect(err.wwwAuthenticate).toMatch(/^Bearer error="invalid_token", error_description="/)
  })

  it('refuses a token from the second of its exp on (clockTolerance 0)', async () => {
    // 2 seconds: whole-second times leave it 1 to 2 seconds, so it is surely valid when first
    // checked; then the wait ends exactly at exp, when it is refused and no longer cached.
    const token = await server.mintAccessToken({ ttl: 2 })
    const verifier = verifierFor(server)
    const { exp } = await verifier.verify(token)
    await until(exp)
    const err = await refusal(verifier.verify(token))
    expect(err).toMatchObject({
      status: 401,
      error: 'invalid_token',
      code: 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
      error_description: 'the access token expired',
    })
  })

  it('refuses a missing scope with 403 insufficient_scope', async () => {
    const token = await serviceToken(server, 'api:read')
    const err = await refusal(verifierFor(server).verify(token, { scopes: ['api:write'] }))
    expect(err).toMatchObject({ status: 403, error: 'insufficient_scope', scope: 'api:write' })
    expect(err.wwwAuthenticate).toContain('scope="api:write"')
  })

  it("refuses a token signed by another server's keys", async () => {
    const foreign = await serviceToken(other)
    const err = await refusal(verifierFor(server, other.resource).verify(foreign))
    expect(err).toMatchObject({ status: 401, error: 'invalid_token' })
  })

  it('refuses an opaque (non-JWT) token', async () => {
    const service = clientOf(server, 'service')
    const opaque = (await service.clientCredentials({ scope: 'openid' })).accessToken
    const err = await refusal(verifierFor(server).verify(opaque))
    expect(err).toMatchObject({ status: 401, error: 'invalid_token' })
  })

  it('fetches the JWKS once for many verifications', async () => {
    const token = await serviceToken(server)
    const verifier = verifierFor(server)
    server.resetStats()
    await Promise.all(Array.from({ length: 200 }, () => verifier.verify(token)))
    for (let i = 0; i < 50; i++) await verifier.verify(token)
    expect(server.stats().endpoints.jwks).toBe(1)
  })

  it('remembers a verified token: one signature check for repeats, every call with verifiedTokenCache: false', async () => {
    const token = await serviceToken(server, 'api:read api:write')
    const cached = verifierFor(server)
    const uncached = createAccessTokenVerifier({
      issuer: server.issuer,
      audience: server.resource,
      allowInsecureRequests: true,
      verifiedTokenCache: false,
    })
    await cached.verify(token) // discovery and JWKS
    await uncached.verify(token)
    const signatures = vi.spyOn(crypto.subtle, 'verify')
    try {
      for (let i = 0; i < 10; i++) {
        await expect(
          cached.verify(`Bearer ${token}`, { scopes: ['api:read'] }),
        ).resolves.toMatchObject({
          client_id: 'service',
        })
      }
      expect(signatures).toHaveBeenCalledTimes(0)
      const err = await refusal(cached.verify(token, { scopes: ['api:admin'] }))
      expect(err).toMatchObject({ status: 403, error: 'insufficient_scope' })
      for (let i = 0; i < 10; i++) await uncached.verify(token)
      expect(signatures).toHaveBeenCalledTimes(10)
      expect(cached.verifiedTokenCache?.hits).toBe(11)
    } finally {
      signatures.mockRestore()
    }
  })
})

// The refusals (401/403/400, 500 when the issuer is down) are unit tests of each adapter
// (packages/node/test/adapters.test.ts); here real devserver tokens go through each of them.
describe('adapters accept real tokens', () => {
  let http: Server
  let base: string
  let token: string
  beforeAll(async () => {
    const verifier = verifierFor(server)
    const middleware = accessTokenMiddleware(verifier, { scopes: ['api:read'] })
    const fetchHandler = withAccessToken(
      verifier,
      (_request, claims) => Response.json({ via: 'fetch', client: claims.client_id }),
      { scopes: ['api:write'] },
    )
    http = createServer(async (req, res) => {
      if (req.url?.startsWith('/node')) {
        const claims = await verifyNodeRequest(verifier, req, res, { scopes: ['api:read'] })
        if (!claims) return
        res.end(JSON.stringify({ via: 'node', client: claims.client_id }))
      } else if (req.url?.startsWith('/express')) {
        middleware(req, res, (err) => {
          if (err) {
            res.statusCode = 500
            res.end()
            return
          }
          res.end(
            JSON.stringify({
              via: 'express',
              client: (req as { auth?: { client_id: string } }).auth?.client_id,
            }),
          )
        })
      } else {
        const headers = new Headers()
        for (const [name, value] of Object.entries(req.headers)) {
          if (typeof value === 'string') headers.set(name, value)
        }
        const response = await fetchHandler(new Request(`http://127.0.0.1${req.url}`, { headers }))
        res.writeHead(response.status, Object.fromEntries(response.headers))
        res.end(await response.text())
      }
    })
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
    token = await serviceToken(server, 'api:read api:write')
  })
  afterAll(() => new Promise<void>((resolve) => http.close(() => resolve())))

  it.each(['/node', '/express', '/fetch'])('%s: 200 with a valid token', async (path) => {
    const response = await fetch(`${base}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ client: 'service' })
  })
})

describe('DPoP-bound tokens (RFC 9449) through withAccessToken', () => {
  const api = new URL('https://api.example.test/orders')
  let as: oauth.AuthorizationServer
  let DPoP: oauth.DPoPHandle
  let jkt: string
  let bound: string
  beforeAll(async () => {
    const issuer = new URL(server.issuer)
    const insecure = { [oauth.allowInsecureRequests]: true }
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, insecure),
    )
    const client = { client_id: 'service' }
    const keyPair = await oauth.generateKeyPair('ES256', { extractable: true })
    DPoP = oauth.DPoP({}, keyPair)
    jkt = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey))
    const auth = oauth.ClientSecretBasic(server.clients.service?.clientSecret as string)
    const parameters = { scope: 'api:read', resource: server.resource }
    const response = await oauth.clientCredentialsGrantRequest(as, client, auth, parameters, {
      ...insecure,
      DPoP,
    })
    const result = await oauth.processClientCredentialsResponse(as, client, response)
    expect(result.token_type).toBe('dpop')
    bound = result.access_token
  })

  // Sends `token` the way a DPoP client does (Authorization: DPoP, a proof for `api` and GET),
  // handing the API the request as `deliver` makes it; resolves the API's answer as it was.
  const present = async (
    handler: (request: Request) => Promise<Response>,
    token: string,
    deliver: (url: string, init: RequestInit) => Request = (url, init) => new Request(url, init),
  ): Promise<Response> => {
    let answer: Response | undefined
    await oauth
      .protectedResourceRequest(token, 'GET', api, undefined, undefined, {
        DPoP,
        [oauth.customFetch]: async (url, init) => {
          answer = await handler(deliver(url, init as RequestInit))
          return answer.clone()
        },
      })
      .catch(() => {}) // oauth4webapi throws on a challenge; the answer is what is checked
    if (!answer) throw new Error('the request never reached the API')
    return answer
  }

  const handler = () =>
    withAccessToken(
      verifierFor(server),
      (_request, claims) => Response.json({ client: claims.client_id, cnf: claims.cnf }),
      { scopes: ['api:read'] },
    )

  it('accepts the token with a proof for this request, every time', async () => {
    const withToken = handler()
    for (let i = 0; i < 3; i++) {
      const response = await present(withToken, bound)
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ client: 'service', cnf: { jkt } })
    }
  })

  it('refuses a proof made for another URL (401 invalid_token)', async () => {
    const response = await present(
      handler(),
      bound,
      (_url, init) => new Request('https://api.example.test/admin', init),
    )
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"')
  })

  it('refuses the token sent as a Bearer token, without a proof (401 invalid_token)', async () => {
    const request = new Request(api, { headers: { authorization: `Bearer ${bound}` } })
    const response = await handler()(request)
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"')
  })
})
