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

const spa: oauth.Client = { client_id: 'spa' }

async function spaTokens(params: Record<string, string> = {}) {
  const request = await prepareAuthorization(as, 'spa', REDIRECT, params)
  return redeemCode(as, spa, oauth.None(), request, await server.login(request.url))
}

async function refresh(client: oauth.Client, auth: oauth.ClientAuth, token: string) {
  return oauth.processRefreshTokenResponse(
    as,
    client,
    await oauth.refreshTokenGrantRequest(as, client, auth, token, insecure),
  )
}

async function introspect(token: string) {
  const web: oauth.Client = { client_id: 'web' }
  const auth = oauth.ClientSecretBasic(server.clients.web?.clientSecret as string)
  return oauth.processIntrospectionResponse(
    as,
    web,
    await oauth.introspectionRequest(as, web, auth, token, insecure),
  )
}

describe('refresh tokens (RFC 6749 §6) with rotation', () => {
  it('issues a refresh token without offline_access and rotates it on every use', async () => {
    const tokens = await spaTokens()
    const first = tokens.refresh_token as string
    expect(first).toEqual(expect.any(String))
    const second = await refresh(spa, oauth.None(), first)
    expect(second.refresh_token).toEqual(expect.any(String))
    expect(second.refresh_token).not.toBe(first)
    expect(second.access_token).not.toBe(tokens.access_token)
    expect(second.id_token).toEqual(expect.any(String))
  })

  it('reuse of a rotated refresh token fails and revokes the whole grant', async () => {
    const tokens = await spaTokens()
    const first = tokens.refresh_token as string
    const second = (await refresh(spa, oauth.None(), first)).refresh_token as string
    await expect(refresh(spa, oauth.None(), first)).rejects.toMatchObject({
      error: 'invalid_grant',
    })
    // The newest token belonged to the same grant, so it is gone too.
    await expect(refresh(spa, oauth.None(), second)).rejects.toMatchObject({
      error: 'invalid_grant',
    })
    expect(server.errors().some((event) => event.event === 'grant.error' && event.detail)).toBe(
      true,
    )
  })

  it('confidential clients rotate too', async () => {
    const web: oauth.Client = { client_id: 'web' }
    const auth = oauth.ClientSecretBasic(server.clients.web?.clientSecret as string)
    const request = await prepareAuthorization(as, 'web', REDIRECT)
    const tokens = await redeemCode(as, web, auth, request, await server.login(request.url))
    const rotated = await refresh(web, auth, tokens.refresh_token as string)
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token)
    await expect(refresh(web, auth, tokens.refresh_token as string)).rejects.toMatchObject({
      error: 'invalid_grant',
    })
  })
})

describe('client credentials grant (RFC 6749 §4.4)', () => {
  const service: oauth.Client = { client_id: 'service' }

  it('issues an RFC 9068 JWT access token for the API resource, verifiable with the JWKS', async () => {
    const auth = oauth.ClientSecretBasic(server.clients.service?.clientSecret as string)
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      service,
      auth,
      { scope: 'api:read api:write', resource: server.resource },
      insecure,
    )
    const tokens = await oauth.processClientCredentialsResponse(as, service, response)
    expect(tokens.scope).toBe('api:read api:write')
    const request = new Request(`${server.resource}/items`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    })
    const claims = await oauth.validateJwtAccessToken(as, request, server.resource, insecure)
    expect(claims).toMatchObject({ sub: 'service', client_id: 'service', iss: server.issuer })
    const verified = await jose.jwtVerify(
      tokens.access_token,
      jose.createRemoteJWKSet(new URL(as.jwks_uri as string)),
      { issuer: server.issuer, audience: server.resource, typ: 'at+jwt', algorithms: ['RS256'] },
    )
    expect(verified.payload.scope).toBe('api:read api:write')
    // The public keys exposed on the server are the ones the JWKS endpoint serves.
    const kid = verified.protectedHeader.kid
    expect(server.jwks.keys.some((key) => (key as { kid?: string }).kid === kid)).toBe(true)
    expect(server.jwks.keys.every((key) => !('d' in key))).toBe(true)
  })

  it('without a resource the token is opaque; client_secret_post works for service-post', async () => {
    const client: oauth.Client = { client_id: 'service-post' }
    const auth = oauth.ClientSecretPost(server.clients['service-post']?.clientSecret as string)
    const tokens = await oauth.processClientCredentialsResponse(
      as,
      client,
      await oauth.clientCredentialsGrantRequest(as, client, auth, { scope: 'api:read' }, insecure),
    )
    expect(tokens.access_token.split('.')).toHaveLength(1)
    expect(await introspect(tokens.access_token)).toMatchObject({
      active: true,
      client_id: 'service-post',
    })
  })

  it('a wrong secret is refused with invalid_client', async () => {
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      service,
      oauth.ClientSecretBasic('wrong'),
      { scope: 'api:read' },
      insecure,
    )
    await expect(oauth.processClientCredentialsResponse(as, service, response)).rejects.toThrow()
    expect(response.status).toBe(401)
  })
})

describe('password grant (RFC 6749 §4.3), for comparison only', () => {
  const legacy: oauth.Client = { client_id: 'legacy' }
  const auth = (): oauth.ClientAuth =>
    oauth.ClientSecretBasic(server.clients.legacy?.clientSecret as string)
  /** A password grant request with `params`, from `legacy` unless another client is given. */
  const passwordGrant = (params: Record<string, string>, client = legacy, clientAuth = auth()) =>
    oauth.genericTokenEndpointRequest(as, client, clientAuth, 'password', params, insecure)

  it('right password: tokens, userinfo works, refresh works', async () => {
    const response = await passwordGrant({
      username: 'bob',
      password: 'bob-password',
      scope: 'openid email',
    })
    const tokens = await oauth.processGenericTokenEndpointResponse(as, legacy, response)
    expect(tokens.scope).toBe('openid email')
    // No resource: an opaque access token, which userinfo accepts.
    expect(tokens.access_token.split('.')).toHaveLength(1)
    expect(jwtPayload(tokens.id_token as string).sub).toBe('user-bob')
    const userinfo = await oauth.processUserInfoResponse(
      as,
      legacy,
      'user-bob',
      await oauth.userInfoRequest(as, legacy, tokens.access_token, insecure),
    )
    expect(userinfo).toMatchObject({ email: 'bob@example.com', email_verified: true })
    const refreshed = await refresh(legacy, auth(), tokens.refresh_token as string)
    expect(refreshed.access_token).toEqual(expect.any(String))
  })

  it('with a resource (RFC 8707): an RFC 9068 JWT for the API with its scopes, also on refresh', async () => {
    const response = await passwordGrant({
      username: 'bob',
      password: 'bob-password',
      scope: 'openid api:read',
      resource: server.resource,
    })
    const tokens = await oauth.processGenericTokenEndpointResponse(as, legacy, response)
    // Like the built-in grants: the access token carries only the API's scopes.
    expect(tokens.scope).toBe('api:read')
    expect(jwtPayload(tokens.id_token as string).sub).toBe('user-bob')
    const verify = (token: string) =>
      oauth.validateJwtAccessToken(
        as,
        new Request(`${server.resource}/items`, { headers: { authorization: `Bearer ${token}` } }),
        server.resource,
        insecure,
      )
    expect(jose.decodeProtectedHeader(tokens.access_token)).toMatchObject({ typ: 'at+jwt' })
    expect(await verify(tokens.access_token)).toMatchObject({
      iss: server.issuer,
      sub: 'user-bob',
      client_id: 'legacy',
      aud: server.resource,
      scope: 'api:read',
    })
    // The refresh token remembers the resource: the new access token is a JWT for the API again.
    const refreshed = await refresh(legacy, auth(), tokens.refresh_token as string)
    expect(await verify(refreshed.access_token)).toMatchObject({
      sub: 'user-bob',
      aud: server.resource,
      scope: 'api:read',
    })
  })

  it('an unknown resource: invalid_target', async () => {
    const response = await passwordGrant({
      username: 'bob',
      password: 'bob-password',
      resource: 'https://elsewhere.test/api',
    })
    await expect(
      oauth.processGenericTokenEndpointResponse(as, legacy, response),
    ).rejects.toMatchObject({ error: 'invalid_target' })
  })

  it('wrong password: invalid_grant', async () => {
    const response = await passwordGrant({ username: 'bob', password: 'alice-password' })
    await expect(
      oauth.processGenericTokenEndpointResponse(as, legacy, response),
    ).rejects.toMatchObject({ error: 'invalid_grant' })
  })

  it('clients without the grant cannot use it', async () => {
    const web: oauth.Client = { client_id: 'web' }
    const response = await passwordGrant(
      { username: 'bob', password: 'bob-password' },
      web,
      oauth.ClientSecretBasic(server.clients.web?.clientSecret as string),
    )
    await expect(
      oauth.processGenericTokenEndpointResponse(as, web, response),
      // oidc-provider answers invalid_request here, not RFC 6749's unauthorized_client.
    ).rejects.toMatchObject({ error: 'invalid_request', error_description: /not allowed/ })
  })
})

// oidc-provider 9 accepts a client secret in either place from a client registered for
// client_secret_basic or client_secret_post (both are "a client secret"), with no setting to
// change it. Other mismatches are refused. Pinned here so the README stays true.
describe('client authentication (token_endpoint_auth_method)', () => {
  const clientCredentials = async (clientId: string, auth: oauth.ClientAuth) =>
    oauth.clientCredentialsGrantRequest(
      as,
      { client_id: clientId },
      auth,
      { scope: 'api:read' },
      insecure,
    )

  it('client_secret_basic and client_secret_post are interchangeable', async () => {
    const service = server.clients.service?.clientSecret as string
    const servicePost = server.clients['service-post']?.clientSecret as string
    expect(server.clients.service?.tokenEndpointAuthMethod).toBe('client_secret_basic')
    expect((await clientCredentials('service', oauth.ClientSecretPost(service))).status).toBe(200)
    expect(server.clients['service-post']?.tokenEndpointAuthMethod).toBe('client_secret_post')
    expect(
      (await clientCredentials('service-post', oauth.ClientSecretBasic(servicePost))).status,
    ).toBe(200)
  })

  it('a secret from a public client, or none from a confidential one, is refused', async () => {
    const fromPublic = await clientCredentials('spa', oauth.ClientSecretPost('anything'))
    expect(fromPublic.status).toBe(401)
    const withoutSecret = await clientCredentials('service', oauth.None())
    expect(withoutSecret.status).toBe(401)
    expect(await withoutSecret.json()).toMatchObject({ error: 'invalid_client' })
    expect(server.errors().at(-1)?.detail).toMatch(/does not match the registered client/)
    // client_secret_jwt and private_key_jwt share a branch, but only the client's own keys count.
    const hmac = await clientCredentials('web-jwt', oauth.ClientSecretJwt('any-shared-secret'))
    expect(hmac.status).toBe(401)
    expect(await hmac.json()).toMatchObject({ error: 'invalid_client' })
  })
})

describe('revocation (RFC 7009) and introspection (RFC 7662)', () => {
  it('introspects access and refresh tokens; revoking the refresh token kills both', async () => {
    const tokens = await spaTokens()
    expect(await introspect(tokens.access_token)).toMatchObject({
      active: true,
      sub: 'user-alice',
      client_id: 'spa',
      token_type: 'Bearer',
    })
    expect(await introspect(tokens.refresh_token as string)).toMatchObject({ active: true })
    const response = await oauth.revocationRequest(
      as,
      spa,
      oauth.None(),
      tokens.refresh_token as string,
      insecure,
    )
    await oauth.processRevocationResponse(response)
    expect(await introspect(tokens.refresh_token as string)).toEqual({ active: false })
    expect(await introspect(tokens.access_token)).toEqual({ active: false })
  })

  it('revoking an access token makes userinfo refuse it', async () => {
    const tokens = await spaTokens()
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, spa, oauth.None(), tokens.access_token, insecure),
    )
    const response = await oauth.userInfoRequest(as, spa, tokens.access_token, insecure)
    expect(response.status).toBe(401)
  })
})
