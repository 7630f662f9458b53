import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type DevServer, startDevServer } from '@oauthkit/devserver'
import {
  AccessTokenError,
  accessTokenMiddleware,
  createAccessTokenVerifier,
  createServerClient,
  verifyNodeRequest,
  withAccessToken,
} from '@oauthkit/node'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'

const REDIRECT = 'http://127.0.0.1:5173/callback'

let server: DevServer
let shortLived: DevServer
beforeAll(async () => {
  ;[server, shortLived] = await Promise.all([
    startDevServer(),
    startDevServer({ ttl: { accessToken: 1, clientCredentials: 1 } }),
  ])
})
afterAll(() => Promise.all([server.close(), shortLived.close()]))

async function serviceToken(dev: DevServer, scope = 'api:read'): Promise<string> {
  const service = createServerClient({
    issuer: dev.issuer,
    clientId: 'service',
    clientSecret: dev.clients.service?.clientSecret as string,
    allowInsecureRequests: true,
  })
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

async function refusal(promise: Promise<unknown>): Promise<AccessTokenError> {
  const err = await promise.then(
    () => expect.unreachable('expected a refusal'),
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(AccessTokenError)
  return err as AccessTokenError
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
    const web = createServerClient({
      issuer: server.issuer,
      clientId: 'web',
      clientSecret: server.clients.web?.clientSecret as string,
      allowInsecureRequests: true,
    })
    const { url, transaction } = await web.buildAuthorizationUrl({
      redirectUri: REDIRECT,
      scope: 'openid api:read api:write',
      resource: server.resource,
    })
    const tokenSet = await web.authorizationCodeGrant(await server.login(url), transaction)
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

  it('refuses an expired token (short TTL)', async () => {
    const token = await serviceToken(shortLived)
    const verifier = verifierFor(shortLived)
    await expect(verifier.verify(token)).resolves.toBeTruthy()
    await new Promise((resolve) => setTimeout(resolve, 2_100))
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
    const foreign = await serviceToken(shortLived)
    const err = await refusal(verifierFor(server, shortLived.resource).verify(foreign))
    expect(err).toMatchObject({ status: 401, error: 'invalid_token' })
  })

  it('refuses an opaque (non-JWT) token', async () => {
    const service = createServerClient({
      issuer: server.issuer,
      clientId: 'service',
      clientSecret: server.clients.service?.clientSecret as string,
      allowInsecureRequests: true,
    })
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

  it('remembers a verified token: one signature check for repeats, every call with cache: false', async () => {
    const token = await serviceToken(server, 'api:read api:write')
    const cached = verifierFor(server)
    const uncached = createAccessTokenVerifier({
      issuer: server.issuer,
      audience: server.resource,
      allowInsecureRequests: true,
      cache: false,
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
      expect(cached.cache?.hits).toBe(11)
    } finally {
      signatures.mockRestore()
    }
  })
})

describe('adapters answer per RFC 6750 §3', () => {
  let http: Server
  let base: string
  let token: string
  let readOnly: string
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
    readOnly = await serviceToken(server, 'api:read')
  })
  afterAll(() => new Promise<void>((resolve) => http.close(() => resolve())))

  const get = (path: string, authorization?: string) =>
    fetch(`${base}${path}`, authorization ? { headers: { authorization } } : {})

  it.each(['/node', '/express', '/fetch'])('%s: 200 with a valid token', async (path) => {
    const response = await get(path, `Bearer ${token}`)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ client: 'service' })
  })

  it.each(['/node', '/express', '/fetch'])(
    '%s: 401 with a bare challenge without a token',
    async (path) => {
      const response = await get(path)
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toBe('Bearer')
    },
  )

  it.each(['/node', '/express', '/fetch'])(
    '%s: 401 invalid_token for a bad token',
    async (path) => {
      const response = await get(path, `Bearer ${token.slice(0, -4)}AAAA`)
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/)
      expect(await response.json()).toMatchObject({ error: 'invalid_token' })
    },
  )

  it('403 insufficient_scope when the token lacks the route scope', async () => {
    const response = await get('/fetch', `Bearer ${readOnly}`)
    expect(response.status).toBe(403)
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"')
    expect(response.headers.get('www-authenticate')).toContain('scope="api:write"')
  })

  it.each(['/node', '/express', '/fetch'])(
    '%s: 400 for a token in the query string',
    async (path) => {
      const response = await get(`${path}?access_token=${token}`)
      expect(response.status).toBe(400)
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_request"')
      expect(await response.text()).not.toContain(token.split('.')[2])
    },
  )
})
