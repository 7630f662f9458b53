/**
 * `createServerClient().clientCredentials()` (RFC 6749 §4.4) against the hostile server: one
 * request per key under any concurrency, a cached token outlives an outage until it expires, a
 * refusal of the client is not retried in a storm, and no secret reaches an error.
 */
import { createAccessTokenVerifier, createServerClient } from '@oauthkit/node'
import { describe, expect, it, vi } from 'vitest'
import { CLIENT_ID, useHostileServer } from './fixture.js'
import { expectRefusal } from './helpers.js'
import { hang, json, resetSocket } from './hostile-server.js'

const server = useHostileServer()
const SECRET = 'client-secret-never-in-errors-0123456789'

function client(now?: () => number) {
  return createServerClient({
    issuer: server().issuer,
    clientId: CLIENT_ID,
    clientSecret: SECRET,
    allowInsecureRequests: true,
    timeout: 2_000,
    ...(now ? { tokenCache: { now } } : {}),
  })
}

describe('client credentials (node)', () => {
  it('control: a URL-object issuer is matched by normalised href (server and verifier)', async () => {
    const c = createServerClient({
      issuer: new URL(server().origin),
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      allowInsecureRequests: true,
    })
    expect((await c.clientCredentials()).accessToken).toMatch(/^cc-/)
    const verifier = createAccessTokenVerifier({
      issuer: new URL(server().origin),
      audience: 'https://api.example',
      allowInsecureRequests: true,
    })
    await expectRefusal(verifier.verify('Bearer a.b.c'), 'ERR_JWT_MALFORMED')
  })

  it('200 concurrent calls with an empty cache make one token request', async () => {
    server().on('/token', async (_q, res, { server }) => {
      await new Promise((resolve) => setTimeout(resolve, 50))
      const token = `cc-${server.count('/token')}-shared-token`
      json(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 300 })
    })
    const c = client()
    const results = await Promise.all(Array.from({ length: 200 }, () => c.clientCredentials()))
    expect(new Set(results.map((t) => t.accessToken)).size).toBe(1)
    expect(server().count('/token')).toBe(1)
    // And the client secret went in the request, never in a URL.
    const body = server().bodies.get('/token')?.[0]
    expect(body?.get('grant_type')).toBe('client_credentials')
  })

  it('while the token endpoint is down, the cached token is served until it expires, then a typed error', async () => {
    let clock = Date.now()
    const c = client(() => clock)
    const first = await c.clientCredentials()
    server().on('/token', resetSocket)
    // Inside the refresh-ahead window (default skew 60 s) and until expiry: the cached token.
    for (const at of [0, 200_000, 250_000, 299_000]) {
      clock = Date.now() + at
      expect((await c.clientCredentials()).accessToken).toBe(first.accessToken)
    }
    clock = Date.now() + 301_000
    await expectRefusal(c.clientCredentials(), 'ERR_NETWORK', [SECRET, first.accessToken])
  })

  it('a hanging token endpoint does not block callers while a cached token is valid', async () => {
    let clock = Date.now()
    const c = client(() => clock)
    const first = await c.clientCredentials()
    server().on('/token', hang)
    clock = Date.now() + 280_000 // in the refresh-ahead window
    const started = performance.now()
    expect((await c.clientCredentials()).accessToken).toBe(first.accessToken)
    // Blocked behind the hanging refresh it would wait for the 30 s request timeout.
    expect(performance.now() - started).toBeLessThan(500)
    // The refresh ahead did go out (and hangs): wait for it so it cannot count in another test.
    await vi.waitFor(() => expect(server().count('/token')).toBe(2))
  })

  it('invalid_client is not retried in a storm: 200 concurrent calls and 50 more make one request', async () => {
    server().on('/token', (_q, res) => json(res, 401, { error: 'invalid_client' }))
    const c = client()
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, () => c.clientCredentials()),
    )
    expect(results.every((r) => r.status === 'rejected')).toBe(true)
    for (let i = 0; i < 50; i++) {
      const err = await expectRefusal(c.clientCredentials(), 'ERR_OAUTH_RESPONSE', [SECRET])
      expect(err).toMatchObject({ error: 'invalid_client', status: 401 })
    }
    expect(server().count('/token')).toBe(1)
  })

  it('a 401 with a Basic challenge and no body is invalid_client, secret not in the error', async () => {
    server().on('/token', (_q, res) => {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="as"' }).end()
    })
    const err = await expectRefusal(client().clientCredentials(), 'ERR_OAUTH_RESPONSE', [
      SECRET,
      Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64'),
    ])
    expect(err).toMatchObject({ error: 'invalid_client', status: 401 })
  })

  it('a response that is not a token response is refused and nothing is cached', async () => {
    server().on('/token', (_q, res) => json(res, 200, { token_type: 'Bearer', expires_in: 300 }))
    const c = client()
    await expectRefusal(c.clientCredentials(), 'OAUTH_INVALID_RESPONSE', [SECRET])
    server().reset()
    const good = await c.clientCredentials()
    expect(good.accessToken).toMatch(/^cc-/)
    expect(server().count('/token')).toBe(1)
  })

  it('a 50 MB token response is refused at the size cap', async () => {
    const { hugeBody } = await import('./hostile-server.js')
    server().on('/token', hugeBody(50 * 1024 * 1024))
    await expectRefusal(client().clientCredentials(), 'ERR_RESPONSE_TOO_LARGE', [SECRET])
  })

  it('a hanging token endpoint with no cached token fails with ERR_TIMEOUT, and an AbortSignal cancels at once', async () => {
    server().on('/token', hang)
    const c = createServerClient({
      issuer: server().issuer,
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      allowInsecureRequests: true,
      timeout: 200,
    })
    await expectRefusal(c.clientCredentials(), 'ERR_TIMEOUT', [SECRET])
    const controller = new AbortController()
    const pending = c.clientCredentials({ signal: controller.signal })
    setTimeout(() => controller.abort(), 20)
    const started = performance.now()
    // ERR_ABORTED, not the 200 ms ERR_TIMEOUT: the abort ended the wait.
    await expectRefusal(pending, 'ERR_ABORTED', [SECRET])
    expect(performance.now() - started).toBeLessThan(1000)
  })
})
