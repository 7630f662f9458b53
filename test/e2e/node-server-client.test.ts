import { CookieJar, type DevServer, startDevServer } from '@oauthkit/devserver'
import {
  createServerClient,
  isOAuthKitError,
  OAuthResponseError,
  type ServerClient,
  type ServerClientOptions,
} from '@oauthkit/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { until } from './helpers/until.js'

const REDIRECT = 'http://127.0.0.1:5173/callback'
const POST_LOGOUT = 'http://127.0.0.1:5173/'

let server: DevServer
beforeAll(async () => {
  // Client-credentials tokens live 1 second here, so expiry costs at most a second of waiting.
  server = await startDevServer({ ttl: { clientCredentials: 1 } })
})
afterAll(() => server.close())

function client(clientId: string, options: Partial<ServerClientOptions> = {}): ServerClient {
  const registered = server.clients[clientId]
  return createServerClient({
    issuer: server.issuer,
    clientId,
    ...(registered?.clientSecret ? { clientSecret: registered.clientSecret } : {}),
    ...(registered?.privateJwk ? { privateKey: registered.privateJwk } : {}),
    allowInsecureRequests: true,
    ...options,
  })
}

async function login(web: ServerClient, scope = 'openid profile email') {
  const { url, transaction } = await web.buildAuthorizationUrl({ redirectUri: REDIRECT, scope })
  const callback = await server.login(url, { user: 'alice' })
  return { callback, transaction }
}

describe('clientCredentials() against the devserver', () => {
  it.each([
    ['service', 'client_secret_basic'],
    ['service-post', 'client_secret_post'],
  ] as const)('%s (%s) gets a token', async (clientId, clientAuthMethod) => {
    // oidc-provider accepts either secret method from any secret client, so what was sent is
    // checked on the wire, through a recording fetch.
    const sent: Request[] = []
    const recording: typeof fetch = async (input, init) => {
      const request = new Request(input, init)
      if (request.method === 'POST') sent.push(request.clone())
      return fetch(request)
    }
    const tokenSet = await client(clientId, {
      clientAuthMethod,
      fetch: recording,
    }).clientCredentials({ scope: 'api:read', resource: server.resource })
    expect(tokenSet).toMatchObject({ tokenType: 'Bearer', expiresAt: expect.any(Number) })
    expect(sent).toHaveLength(1)
    const body = new URLSearchParams(await sent[0]?.text())
    const secret = server.clients[clientId]?.clientSecret
    if (clientAuthMethod === 'client_secret_basic') {
      expect(sent[0]?.headers.get('authorization')).toMatch(/^Basic /)
      expect(body.has('client_secret')).toBe(false)
    } else {
      expect(sent[0]?.headers.get('authorization')).toBeNull()
      expect(body.get('client_secret')).toBe(secret)
    }
  })

  it('1,000 concurrent calls → exactly 1 token request; after expiry 1,000 more → exactly 1 more', async () => {
    // The default skew (60 s) with 1-second tokens: a token shorter-lived than the skew is not
    // renewed on arrival (it would be asked for again and again).
    const service = client('service')
    await service.metadata() // discovery is not what is counted here
    server.resetStats()
    const first = await Promise.all(
      Array.from({ length: 1000 }, () => service.clientCredentials({ scope: 'api:read' })),
    )
    expect(server.stats().endpoints.token).toBe(1)
    expect(new Set(first.map((t) => t.accessToken)).size).toBe(1)
    // expiresAt is whole epoch seconds from expires_in at receipt: from that second on the cached
    // token counts as expired, so the next calls all wait on one new request. Nothing calls in
    // between, so no ahead-of-expiry renewal can start; a slow machine only waits less.
    const { expiresAt } = first[0] ?? {}
    expect(expiresAt).toEqual(expect.any(Number))
    await until(expiresAt as number)
    const second = await Promise.all(
      Array.from({ length: 1000 }, () => service.clientCredentials({ scope: 'api:read' })),
    )
    expect(server.stats().endpoints.token).toBe(2)
    expect(second[0]?.accessToken).not.toBe(first[0]?.accessToken)
  })

  it('a wrong secret is invalid_client, and not retried in a storm', async () => {
    const service = client('service', { clientSecret: 'wrong' })
    await service.metadata()
    server.resetStats()
    for (let i = 0; i < 20; i++) {
      const err = await service.clientCredentials().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(OAuthResponseError)
      expect(err).toMatchObject({ error: 'invalid_client' })
      expect(JSON.stringify(err)).not.toContain('wrong')
    }
    expect(server.stats().endpoints.token).toBe(1)
  })
})

describe.each([
  ['web', 'client_secret_basic'],
  ['web', 'client_secret_post'],
  ['web-jwt', 'private_key_jwt'],
] as const)('server-side login as %s (%s)', (clientId, clientAuthMethod) => {
  it('runs code → tokens → userinfo → refresh → introspect → revoke → logout', async () => {
    const web = client(clientId, { clientAuthMethod })
    const { url, transaction } = await web.buildAuthorizationUrl({
      redirectUri: REDIRECT,
      scope: 'openid profile email',
    })
    expect(url.searchParams.get('code_challenge_method')).toBe('S256')
    expect(transaction).toMatchObject({ state: expect.any(String), nonce: expect.any(String) })
    const cookies = new CookieJar() // keeps the SSO session for the logout at the end
    const callback = await server.login(url, { user: 'alice', cookies })
    expect(new URL(callback).searchParams.get('iss')).toBe(server.issuer)

    const session = await web.authorizationCodeGrant(callback, transaction)
    const { tokenSet, claims } = session
    expect(tokenSet).toMatchObject({
      accessToken: expect.any(String),
      tokenType: 'Bearer',
      idToken: expect.any(String),
      refreshToken: expect.any(String),
      receivedAt: expect.any(Number),
    })
    expect(claims).toMatchObject({ sub: 'user-alice', iss: server.issuer, aud: clientId })
    // A plain value: what a cookie store or a database keeps is the whole session.
    expect(JSON.parse(JSON.stringify(session))).toEqual(session)

    const userInfo = await web.fetchUserInfo(tokenSet.accessToken, {
      expectedSubject: 'user-alice',
    })
    expect(userInfo).toMatchObject({ sub: 'user-alice', email: 'alice@example.com' })

    const { tokenSet: refreshed, claims: refreshedClaims } = await web.refreshTokenGrant(session)
    expect(refreshedClaims?.sub).toBe('user-alice')
    expect(refreshed.accessToken).not.toBe(tokenSet.accessToken)
    expect(refreshed.refreshToken).not.toBe(tokenSet.refreshToken) // the devserver rotates

    await expect(web.introspectToken(refreshed.accessToken)).resolves.toMatchObject({
      active: true,
      sub: 'user-alice',
      client_id: clientId,
    })
    await web.revokeToken(refreshed.refreshToken as string, { tokenTypeHint: 'refresh_token' })
    await expect(web.refreshTokenGrant(refreshed.refreshToken as string)).rejects.toMatchObject({
      error: 'invalid_grant',
    })
    await web.revokeToken(refreshed.accessToken)
    await expect(web.introspectToken(refreshed.accessToken)).resolves.toMatchObject({
      active: false,
    })

    const endSession = await web.buildEndSessionUrl({
      idTokenHint: tokenSet.idToken as string,
      postLogoutRedirectUri: POST_LOGOUT,
      state: 'bye',
    })
    expect(endSession.searchParams.get('client_id')).toBe(clientId)
    const after = await server.logout(endSession, { cookies })
    expect(after).toBe(`${POST_LOGOUT}?state=bye`)
  })
})

describe('callback checks', () => {
  it('refuses a state mismatch before exchanging the code', async () => {
    const web = client('web')
    const { callback, transaction } = await login(web)
    server.resetStats()
    const tampered = new URL(callback)
    tampered.searchParams.set('state', 'forged')
    await expect(web.authorizationCodeGrant(tampered, transaction)).rejects.toMatchObject({
      code: 'ERR_STATE_MISMATCH',
    })
    expect(server.stats().endpoints.token ?? 0).toBe(0)
  })

  it('refuses a wrong RFC 9207 iss', async () => {
    const web = client('web')
    const { callback, transaction } = await login(web)
    const tampered = new URL(callback)
    tampered.searchParams.set('iss', 'https://evil.example.com')
    const err = await web.authorizationCodeGrant(tampered, transaction).catch((e: unknown) => e)
    expect(isOAuthKitError(err)).toBe(true)
    expect(err).toMatchObject({ code: 'ERR_ISSUER_MISMATCH' })
  })

  it('refuses a missing RFC 9207 iss when the server advertises it', async () => {
    const web = client('web')
    expect((await web.metadata()).authorization_response_iss_parameter_supported).toBe(true)
    const { callback, transaction } = await login(web)
    const tampered = new URL(callback)
    tampered.searchParams.delete('iss')
    await expect(web.authorizationCodeGrant(tampered, transaction)).rejects.toMatchObject({
      code: 'ERR_ISSUER_MISMATCH',
    })
  })

  it('refuses a replayed code with invalid_grant', async () => {
    const web = client('web')
    const { callback, transaction } = await login(web)
    await web.authorizationCodeGrant(callback, transaction)
    await expect(web.authorizationCodeGrant(callback, transaction)).rejects.toMatchObject({
      error: 'invalid_grant',
    })
  })

  it('an access_denied callback is an OAuthResponseError', async () => {
    const web = client('web')
    const { url, transaction } = await web.buildAuthorizationUrl({
      redirectUri: REDIRECT,
      scope: 'openid',
    })
    const callback = await server.login(url, { user: 'alice', deny: true })
    await expect(web.authorizationCodeGrant(callback, transaction)).rejects.toMatchObject({
      error: 'access_denied',
    })
  })
})
