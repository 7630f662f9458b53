/**
 * The text a user sees: the server's own reason, the origin that could not be reached and why,
 * and the devserver's claims and pages. Real servers wherever one can be made to misbehave;
 * injected fetch only for bodies no well-behaved server sends.
 */
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import {
  AccessTokenError,
  clearDiscoveryCache,
  discover,
  isOAuthResponseError,
  OAuthKitError,
  type OAuthKitErrorCode,
  OAuthResponseError,
} from '@oauthkit/core'
import { type DevServer, startDevServer } from '@oauthkit/devserver'
import { createServerClient, isOAuthKitError } from '@oauthkit/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closedPort } from '../fixtures/closed-port.js'
import { SELF_SIGNED_CERT, SELF_SIGNED_KEY } from '../fixtures/self-signed-tls.js'

let server: DevServer
beforeAll(async () => {
  server = await startDevServer()
})
afterAll(() => server.close())

async function listen(http: Server): Promise<string> {
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  return `127.0.0.1:${(http.address() as { port: number }).port}`
}

async function failure(promise: Promise<unknown>): Promise<OAuthKitError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(isOAuthKitError(err), String(err)).toBe(true)
  return err as OAuthKitError
}

describe('OAuth error responses', () => {
  it("carry the server's error_description in the message (node, invalid_client)", async () => {
    const client = createServerClient({
      issuer: server.issuer,
      clientId: 'service',
      clientSecret: 'not-the-secret',
      allowInsecureRequests: true,
    })
    const err = await failure(client.clientCredentials())
    expect(err).toBeInstanceOf(OAuthResponseError)
    expect(err.message).toBe(
      'server responded with "invalid_client" (HTTP 401): client authentication failed',
    )
    expect(err.message).not.toContain('not-the-secret')
  })

  it('sanitise the description: no control characters, capped, credential-like runs redacted', async () => {
    const code = 'rt-4f9c2d7e8a1b3c5d6e7f8091a2b3c4d5'
    const hostile = `bad\u001b[31m red\r\nforged log line ${code} ${'x '.repeat(300)}`
    const issuer = 'https://as.example.com'
    const metadata = { issuer, token_endpoint: `${issuer}/token` }
    const client = createServerClient({
      issuer,
      clientId: 'service',
      clientSecret: 's3cr3t-value',
      metadata,
      fetch: async () =>
        Response.json({ error: 'invalid_grant', error_description: hostile }, { status: 400 }),
    })
    const err = (await failure(client.refreshTokenGrant(code))) as OAuthResponseError
    expect(err.message).toMatch(
      /^server responded with "invalid_grant" \(HTTP 400\): bad \[31m red forged log line \[redacted\] x x/,
    )
    expect(err.message).not.toMatch(/\p{Cc}/u)
    expect(err.message).not.toContain(code)
    expect(err.message.length).toBeLessThan(260)
    expect(err.message.endsWith('…')).toBe(true)
    // The property keeps the server's words as sent, for code that wants them.
    expect(err.error_description).toBe(hostile)
  })

  it('isOAuthResponseError is true for the server answering with an OAuth error only', () => {
    const response = new OAuthResponseError('x', { error: 'invalid_grant', status: 400 })
    expect(isOAuthResponseError(response)).toBe(true)
    // A refusal by our own resource-server check has an `error` too, but no server said it.
    const refusal = new AccessTokenError('expired', {
      code: 'ERR_INVALID_TOKEN',
      error: 'invalid_token',
    })
    expect(isOAuthResponseError(refusal)).toBe(false)
    const plain = Object.assign(new OAuthKitError('x', { code: 'ERR_NETWORK' }), { error: 'boom' })
    expect(isOAuthResponseError(plain)).toBe(false)
    // From another copy of the package: by shape and name.
    const copy = Object.assign(new Error('x'), {
      name: 'OAuthResponseError',
      code: 'ERR_OAUTH_RESPONSE',
      error: 'invalid_grant',
    })
    expect(isOAuthResponseError(copy)).toBe(true)
  })

  it('OAuthKitErrorCode is a closed union', () => {
    const known: OAuthKitErrorCode = 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED'
    // @ts-expect-error: not a code any oauthkit package raises
    const unknown: OAuthKitErrorCode = 'ERR_SOMETHING_ELSE'
    expect([known, unknown]).toHaveLength(2)
  })
})

describe('unreachable servers are named, with the reason', () => {
  it('connection refused', async () => {
    const issuer = `http://127.0.0.1:${await closedPort()}`
    const err = await failure(discover(issuer, { allowInsecureRequests: true }))
    expect(err.code).toBe('ERR_NETWORK')
    expect(err.message).toBe(
      `could not reach ${issuer}: connection refused (nothing listens on that port)`,
    )
    expect((err.cause as { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED')
  })

  it('DNS', async () => {
    const err = await failure(discover('https://no-such-host.invalid'))
    expect(err.code).toBe('ERR_NETWORK')
    expect(err.message).toBe(
      'could not reach https://no-such-host.invalid: DNS lookup failed (no such host)',
    )
  })

  it('timeout', async () => {
    // Accepts the connection and never answers.
    const silent = createHttpServer(() => {})
    const host = await listen(silent)
    try {
      const err = await failure(
        discover(`http://${host}`, { allowInsecureRequests: true, timeout: 200 }),
      )
      expect(err.code).toBe('ERR_TIMEOUT')
      expect(err.message).toBe(`request to http://${host} timed out`)
    } finally {
      silent.closeAllConnections()
      silent.close()
    }
  })

  it('TLS', async () => {
    const tls = createHttpsServer({ key: SELF_SIGNED_KEY, cert: SELF_SIGNED_CERT }, (_, res) =>
      res.end('{}'),
    )
    const host = await listen(tls)
    try {
      const err = await failure(discover(`https://${host}`))
      expect(err.code).toBe('ERR_NETWORK')
      expect(err.message).toBe(
        `could not reach https://${host}: TLS failed (DEPTH_ZERO_SELF_SIGNED_CERT)`,
      )
    } finally {
      tls.close()
    }
  })

  it('node: an unreachable issuer is ERR_NETWORK for the verifier, as its README says', async () => {
    clearDiscoveryCache()
    const { createAccessTokenVerifier } = await import('@oauthkit/node')
    const issuer = `http://127.0.0.1:${await closedPort()}`
    const verifier = createAccessTokenVerifier({
      issuer,
      audience: 'https://api.example.com',
      allowInsecureRequests: true,
    })
    const token = await server.mintAccessToken({ ttl: 60 })
    const err = await failure(verifier.verify(`Bearer ${token}`))
    expect(err.code).toBe('ERR_NETWORK')
    expect(err.message).toContain(`could not reach ${issuer}`)
  })
})

describe('the devserver', () => {
  it("puts the scope's claims in the ID Token of a code login that also gets an access token", async () => {
    const web = createServerClient({
      issuer: server.issuer,
      clientId: 'web',
      clientSecret: 'web-secret',
      allowInsecureRequests: true,
    })
    const { url, transaction } = await web.buildAuthorizationUrl({
      redirectUri: 'http://127.0.0.1:5173/callback',
      scope: 'openid profile email',
    })
    const callback = await server.login(url, { user: 'alice' })
    const session = await web.authorizationCodeGrant(new URL(callback), transaction)
    expect(session.tokenSet.accessToken).toBeTruthy()
    expect(session.claims).toMatchObject({
      sub: 'user-alice',
      name: 'Alice Liddell',
      email: 'alice@example.com',
      email_verified: true,
    })
  })

  it('error pages show apostrophes as typed, not as &#39;', async () => {
    const url = new URL(`${server.issuer}/auth`)
    url.search = new URLSearchParams({
      client_id: 'spa',
      redirect_uri: 'http://evil.example/cb',
      response_type: 'code',
      scope: 'openid',
    }).toString()
    const page = await (await fetch(url)).text()
    expect(page).toContain("client's registered redirect_uris")
    expect(page).not.toContain('&#39;')
  })
})
