import {
  CookieJar,
  type DevServer,
  type DevServerRequest,
  startDevServer,
} from '@oauthkit/devserver'
import * as jose from 'jose'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { discover, insecure, prepareAuthorization, redeemCode } from './helpers/devserver-oauth.js'

const REDIRECT = 'http://127.0.0.1:5173/callback'

let server: DevServer
let as: oauth.AuthorizationServer
const seen: DevServerRequest[] = []

beforeAll(async () => {
  server = await startDevServer({ deviceInterval: 0.05, onRequest: (r) => seen.push(r) })
  as = await discover(server.issuer)
})
afterAll(() => server.close())

describe('device authorization grant (RFC 8628)', () => {
  const device: oauth.Client = { client_id: 'device' }

  async function start() {
    const response = await oauth.deviceAuthorizationRequest(
      as,
      device,
      oauth.None(),
      { scope: 'openid profile offline_access' },
      insecure,
    )
    return oauth.processDeviceAuthorizationResponse(as, device, response)
  }

  async function poll(deviceCode: string, interval: number) {
    for (let attempt = 0; attempt < 100; attempt++) {
      try {
        return await oauth.processDeviceCodeResponse(
          as,
          device,
          await oauth.deviceCodeGrantRequest(as, device, oauth.None(), deviceCode, insecure),
        )
      } catch (error) {
        if (
          !(error instanceof oauth.ResponseBodyError) ||
          error.error !== 'authorization_pending'
        ) {
          throw error
        }
        await new Promise((resolve) => setTimeout(resolve, interval * 1000))
      }
    }
    throw new Error('still pending')
  }

  it('adds the configured interval; approveDevice() lets polling return tokens', async () => {
    const authorization = await start()
    expect(authorization.interval).toBe(0.05)
    expect(authorization.user_code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/)
    expect(authorization.verification_uri).toBe(`${server.issuer}/device`)
    const polling = poll(authorization.device_code, authorization.interval as number)
    await new Promise((resolve) => setTimeout(resolve, 120))
    await server.approveDevice(authorization.user_code.toLowerCase(), { user: 'bob' })
    const tokens = await polling
    expect(tokens.refresh_token).toEqual(expect.any(String))
    expect(oauth.getValidatedIdTokenClaims(tokens)?.sub).toBe('user-bob')
    // A user code works once.
    await expect(server.approveDevice(authorization.user_code)).rejects.toMatchObject({
      code: 'ERR_DEVICE_CODE_NOT_FOUND',
    })
  })

  it('denyDevice() makes polling fail with access_denied', async () => {
    const authorization = await start()
    await server.denyDevice(authorization.user_code)
    await expect(poll(authorization.device_code, 0.05)).rejects.toMatchObject({
      error: 'access_denied',
    })
  })

  it('an unknown user code is a typed error', async () => {
    await expect(server.approveDevice('BCDF-GHJK')).rejects.toMatchObject({
      code: 'ERR_DEVICE_CODE_NOT_FOUND',
    })
  })

  it('the verification page a person would use renders the code confirmation', async () => {
    const authorization = await start()
    const cookies = new CookieJar()
    // verification_uri_complete answers with a self-submitting form carrying the code.
    const landing = await fetch(authorization.verification_uri_complete as string)
    cookies.store(landing)
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(await landing.text())?.[1] as string
    const page = await fetch(`${server.issuer}/device`, {
      method: 'POST',
      headers: {
        cookie: cookies.header() as string,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ xsrf, user_code: authorization.user_code }),
    })
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain(authorization.user_code)
    expect(html).toContain('Confirm device')
    expect(html).toContain('op.deviceConfirmForm')
  })
})

describe('implicit (id_token token), for comparison only', () => {
  it('returns the access token and ID token in the fragment', async () => {
    const request = await prepareAuthorization(
      as,
      'implicit',
      REDIRECT,
      { response_type: 'id_token token', scope: 'openid profile' },
      { pkce: false },
    )
    const callback = new URL(await server.login(request.url, { user: 'carol' }))
    expect(callback.search).toBe('')
    const fragment = new URLSearchParams(callback.hash.slice(1))
    expect(fragment.get('state')).toBe(request.state)
    expect(fragment.get('token_type')).toBe('Bearer')
    // RFC 9207 iss is omitted when an ID token is in the response.
    expect(fragment.get('iss')).toBeNull()
    const { payload } = await jose.jwtVerify(
      fragment.get('id_token') as string,
      jose.createRemoteJWKSet(new URL(as.jwks_uri as string)),
      { issuer: server.issuer, audience: 'implicit' },
    )
    expect(payload).toMatchObject({ sub: 'user-carol', nonce: request.nonce })
    expect(payload.at_hash).toEqual(expect.any(String))
    const client: oauth.Client = { client_id: 'implicit' }
    const userinfo = await oauth.processUserInfoResponse(
      as,
      client,
      'user-carol',
      await oauth.userInfoRequest(as, client, fragment.get('access_token') as string, insecure),
    )
    expect(userinfo.name).toBe('Carol Nguyễn')
  })

  it('plain response_type=token does not exist in oidc-provider 9', async () => {
    const request = await prepareAuthorization(
      as,
      'implicit',
      REDIRECT,
      { response_type: 'token' },
      { pkce: false },
    )
    const callback = new URL(await server.login(request.url))
    const params = new URLSearchParams(callback.hash.slice(1) || callback.search)
    expect(params.get('error')).toBe('unsupported_response_type')
  })
})

describe('RP-initiated logout (OIDC RP-Initiated Logout 1.0)', () => {
  it('ends the session and redirects to the post_logout_redirect_uri with state', async () => {
    const spa: oauth.Client = { client_id: 'spa' }
    const cookies = new CookieJar()
    const request = await prepareAuthorization(as, 'spa', REDIRECT)
    const callback = await server.login(request.url, { cookies })
    const tokens = await redeemCode(as, spa, oauth.None(), request, callback)
    const endSession = new URL(as.end_session_endpoint as string)
    endSession.searchParams.set('id_token_hint', tokens.id_token as string)
    endSession.searchParams.set('post_logout_redirect_uri', 'http://127.0.0.1:5173/')
    endSession.searchParams.set('state', 'bye')
    expect(server.clients.spa?.postLogoutRedirectUris).toContain('http://127.0.0.1:5173/')
    const after = await server.logout(endSession, { cookies })
    expect(after).toBe('http://127.0.0.1:5173/?state=bye')
    // The session is gone: the next authorization request shows the login page again.
    server.resetStats()
    const again = await prepareAuthorization(as, 'spa', REDIRECT)
    await server.login(again.url, { cookies })
    expect(server.stats().endpoints.interaction).toBeGreaterThan(0)
  })
})

describe('DPoP (RFC 9449)', () => {
  it('binds the access token to the key; userinfo needs the proof', async () => {
    const spa: oauth.Client = { client_id: 'spa' }
    const DPoP = oauth.DPoP(spa, await oauth.generateKeyPair('ES256'))
    const request = await prepareAuthorization(as, 'spa', REDIRECT)
    const callback = await server.login(request.url)
    const tokens = await redeemCode(as, spa, oauth.None(), request, callback, { DPoP })
    expect(tokens.token_type.toLowerCase()).toBe('dpop')
    const ok = await oauth.userInfoRequest(as, spa, tokens.access_token, { ...insecure, DPoP })
    expect(ok.status).toBe(200)
    const asBearer = await oauth.userInfoRequest(as, spa, tokens.access_token, insecure)
    expect(asBearer.status).toBe(401)
  })

  it('with dpopNonce the first request gets use_dpop_nonce and the retry succeeds', async () => {
    const nonceServer = await startDevServer({ dpopNonce: true })
    try {
      const nonceAs = await discover(nonceServer.issuer)
      const service: oauth.Client = { client_id: 'service' }
      const auth = oauth.ClientSecretBasic(nonceServer.clients.service?.clientSecret as string)
      const DPoP = oauth.DPoP(service, await oauth.generateKeyPair('ES256'))
      const call = async () =>
        oauth.processClientCredentialsResponse(
          nonceAs,
          service,
          await oauth.clientCredentialsGrantRequest(
            nonceAs,
            service,
            auth,
            { scope: 'api:read' },
            { ...insecure, DPoP },
          ),
        )
      const first = await call().catch((error: unknown) => error)
      expect(oauth.isDPoPNonceError(first)).toBe(true)
      const tokens = await call()
      expect(tokens.token_type.toLowerCase()).toBe('dpop')
    } finally {
      await nonceServer.close()
    }
  })
})

describe('pushed authorization requests (RFC 9126)', () => {
  it('spa-par: a pushed request works, a plain one is refused', async () => {
    const client: oauth.Client = { client_id: 'spa-par' }
    const plain = await prepareAuthorization(as, 'spa-par', REDIRECT)
    const refused = new URL(await server.login(plain.url))
    expect(refused.searchParams.get('error')).toBe('invalid_request')
    expect(refused.searchParams.get('error_description')).toMatch(/pushed/i)

    const prepared = await prepareAuthorization(as, 'spa-par', REDIRECT)
    const pushed = await oauth.processPushedAuthorizationResponse(
      as,
      client,
      await oauth.pushedAuthorizationRequest(
        as,
        client,
        oauth.None(),
        prepared.url.searchParams,
        insecure,
      ),
    )
    expect(pushed.request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:/)
    const url = new URL(as.authorization_endpoint as string)
    url.searchParams.set('client_id', 'spa-par')
    url.searchParams.set('request_uri', pushed.request_uri)
    const callback = await server.login(url)
    const tokens = await redeemCode(as, client, oauth.None(), prepared, callback)
    expect(tokens.access_token).toEqual(expect.any(String))
  })
})

describe('request counting', () => {
  it('stats() counts exactly one token request; onRequest sees method, path and status', async () => {
    server.resetStats()
    seen.length = 0
    const service: oauth.Client = { client_id: 'service' }
    const auth = oauth.ClientSecretBasic(server.clients.service?.clientSecret as string)
    await oauth.processClientCredentialsResponse(
      as,
      service,
      await oauth.clientCredentialsGrantRequest(as, service, auth, {}, insecure),
    )
    expect(server.stats()).toEqual({ total: 1, endpoints: { token: 1 }, preflights: {} })
    expect(server.requests()).toEqual([
      { method: 'POST', path: '/token', endpoint: 'token', status: 200 },
    ])
    expect(seen).toEqual([{ method: 'POST', path: '/token', endpoint: 'token', status: 200 }])
  })
})

describe('CORS for the SPA origin', () => {
  it('allows the spa origin at the token endpoint and refuses other origins', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.issuer}/token`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,dpop',
        },
      })
    const allowed = await preflight('http://127.0.0.1:5173')
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5173')
    const token = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { origin: 'http://evil.test', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=refresh_token&client_id=spa&refresh_token=x',
    })
    expect(token.headers.get('access-control-allow-origin')).toBeNull()
    expect(server.stats().preflights.token).toBeGreaterThan(0)
  })
})
