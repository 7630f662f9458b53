import { type DevServer, startDevServer } from '@oauthkit/devserver'
import * as jose from 'jose'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  discover,
  insecure,
  jwtPayload,
  prepareAuthorization,
  redeemCode,
} from './helpers/devserver-oauth.js'

const REDIRECT = 'http://127.0.0.1:5173/callback'

let server: DevServer
let as: oauth.AuthorizationServer

beforeAll(async () => {
  server = await startDevServer()
  as = await discover(server.issuer)
})
afterAll(() => server.close())

async function codeFlow(
  clientId: string,
  auth: oauth.ClientAuth,
  options: {
    pkce?: boolean
    params?: Record<string, string>
    user?: string
    target?: { server: DevServer; as: oauth.AuthorizationServer }
  } = {},
) {
  // The module's server unless another one is given.
  const on = options.target ?? { server, as }
  const client: oauth.Client = { client_id: clientId }
  const request = await prepareAuthorization(on.as, clientId, REDIRECT, options.params, {
    pkce: options.pkce ?? true,
  })
  const callback = await on.server.login(request.url, { user: options.user })
  const tokens = await redeemCode(on.as, client, auth, request, callback, { requireIdToken: true })
  return { tokens, callback, client }
}

describe('authorization code grant (RFC 6749 §4.1) with PKCE (RFC 7636)', () => {
  it('public spa client: code + PKCE S256, RFC 9207 iss, ID token and userinfo', async () => {
    const { tokens, callback, client } = await codeFlow('spa', oauth.None())
    expect(new URL(callback).searchParams.get('iss')).toBe(server.issuer)
    expect(tokens.token_type.toLowerCase()).toBe('bearer')
    expect(tokens.refresh_token).toEqual(expect.any(String))
    const claims = oauth.getValidatedIdTokenClaims(tokens)
    expect(claims?.sub).toBe('user-alice')
    // Resource-less request → opaque token that userinfo accepts.
    expect(tokens.access_token.split('.')).toHaveLength(1)
    const userinfo = await oauth.processUserInfoResponse(
      as,
      client,
      'user-alice',
      await oauth.userInfoRequest(as, client, tokens.access_token, insecure),
    )
    expect(userinfo).toMatchObject({
      sub: 'user-alice',
      name: 'Alice Liddell',
      given_name: 'Alice',
      family_name: 'Liddell',
      email: 'alice@example.com',
      email_verified: true,
      locale: 'en-GB',
    })
  })

  it('public client without PKCE is refused', async () => {
    const request = await prepareAuthorization(as, 'spa', REDIRECT, {}, { pkce: false })
    const callback = await server.login(request.url)
    const params = new URL(callback).searchParams
    expect(params.get('error')).toBe('invalid_request')
    expect(params.get('error_description')).toMatch(/PKCE/)
  })

  it('PKCE plain is refused', async () => {
    const request = await prepareAuthorization(as, 'spa', REDIRECT, {
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'plain',
    })
    const params = new URL(await server.login(request.url)).searchParams
    expect(params.get('error')).toBe('invalid_request')
  })

  it('confidential web client with client_secret_basic', async () => {
    const secret = server.clients.web?.clientSecret as string
    expect(secret).toBeTruthy()
    const { tokens } = await codeFlow('web', oauth.ClientSecretBasic(secret), { user: 'bob' })
    expect(oauth.getValidatedIdTokenClaims(tokens)?.sub).toBe('user-bob')
  })

  it.each(['web', 'web-jwt'])(
    'by default confidential client %s without PKCE is refused too (RFC 9700 §2.1.1)',
    async (clientId) => {
      const request = await prepareAuthorization(as, clientId, REDIRECT, {}, { pkce: false })
      const params = new URL(await server.login(request.url)).searchParams
      expect(params.get('error')).toBe('invalid_request')
      expect(params.get('error_description')).toMatch(/PKCE/)
    },
  )

  it('a wrong client secret is refused', async () => {
    await expect(codeFlow('web', oauth.ClientSecretBasic('wrong'))).rejects.toMatchObject({
      // oauth4webapi surfaces the 401 challenge
      status: 401,
    })
  })

  it('confidential web-jwt client with private_key_jwt (RFC 7523)', async () => {
    const jwk = server.clients['web-jwt']?.privateJwk
    expect(jwk?.d).toEqual(expect.any(String))
    const key = (await jose.importJWK(jwk as jose.JWK, 'ES256')) as CryptoKey
    const { tokens } = await codeFlow(
      'web-jwt',
      oauth.PrivateKeyJwt({ key, kid: jwk?.kid as string }),
    )
    expect(oauth.getValidatedIdTokenClaims(tokens)?.aud).toBe('web-jwt')
  })

  it('a resource indicator (RFC 8707) yields an RFC 9068 JWT access token', async () => {
    const { tokens } = await codeFlow('spa', oauth.None(), {
      params: { resource: server.resource, scope: 'openid api:read' },
    })
    const header = jose.decodeProtectedHeader(tokens.access_token)
    expect(header).toMatchObject({ typ: 'at+jwt', alg: 'RS256' })
    const request = new Request('http://127.0.0.1/api', {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    })
    const claims = await oauth.validateJwtAccessToken(as, request, server.resource, insecure)
    expect(claims).toMatchObject({ sub: 'user-alice', client_id: 'spa', aud: server.resource })
    expect(jwtPayload(tokens.access_token).scope).toBe('api:read')
  })

  it('keeps the SSO session when the same cookie jar is reused', async () => {
    const { CookieJar } = await import('@oauthkit/devserver')
    const cookies = new CookieJar()
    const first = await prepareAuthorization(as, 'spa', REDIRECT)
    await server.login(first.url, { cookies, user: 'carol' })
    server.resetStats()
    const second = await prepareAuthorization(as, 'spa', REDIRECT)
    const callback = await server.login(second.url, { cookies, user: 'alice' })
    expect(new URL(callback).searchParams.get('code')).toBeTruthy()
    // One request: the session and grant already cover the scopes, so no login page.
    expect(server.stats().endpoints).toEqual({ authorization: 1 })
  })

  it('deny at the consent step gives access_denied', async () => {
    const request = await prepareAuthorization(as, 'spa', REDIRECT)
    const params = new URL(await server.login(request.url, { deny: true })).searchParams
    expect(params.get('error')).toBe('access_denied')
  })

  it('a wrong password makes login() throw ERR_LOGIN_FAILED', async () => {
    const request = await prepareAuthorization(as, 'spa', REDIRECT)
    await expect(server.login(request.url, { password: 'nope' })).rejects.toMatchObject({
      code: 'ERR_LOGIN_FAILED',
    })
  })
})

describe("requirePkce: 'public-clients'", () => {
  let relaxed: { server: DevServer; as: oauth.AuthorizationServer }
  beforeAll(async () => {
    const relaxedServer = await startDevServer({ requirePkce: 'public-clients' })
    relaxed = { server: relaxedServer, as: await discover(relaxedServer.issuer) }
  })
  afterAll(() => relaxed.server.close())

  it('confidential web client: authorization code with a client secret and without PKCE', async () => {
    const secret = relaxed.server.clients.web?.clientSecret as string
    const { tokens } = await codeFlow('web', oauth.ClientSecretBasic(secret), {
      pkce: false,
      target: relaxed,
    })
    expect(tokens.access_token).toEqual(expect.any(String))
    expect(oauth.getValidatedIdTokenClaims(tokens)?.aud).toBe('web')
    // With PKCE it works as well.
    const withPkce = await codeFlow('web', oauth.ClientSecretBasic(secret), { target: relaxed })
    expect(withPkce.tokens.access_token).toEqual(expect.any(String))
  })

  it('public clients still must use PKCE', async () => {
    const request = await prepareAuthorization(relaxed.as, 'spa', REDIRECT, {}, { pkce: false })
    const params = new URL(await relaxed.server.login(request.url)).searchParams
    expect(params.get('error')).toBe('invalid_request')
    expect(params.get('error_description')).toMatch(/PKCE/)
  })
})
