import { type DevServer, startDevServer } from '@oauthkit/devserver'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { discover, insecure, prepareAuthorization, redeemCode } from './helpers/devserver-oauth.js'

const REDIRECT = 'http://127.0.0.1:5173/callback'

let server: DevServer
let as: oauth.AuthorizationServer

beforeAll(async () => {
  server = await startDevServer({
    ttl: { accessToken: 2, clientCredentials: 2, refreshToken: 2 },
  })
  as = await discover(server.issuer)
})
afterAll(() => server.close())

// The only test in the devserver suites that really waits: clockTolerance is 0 and timestamps are
// whole seconds, so a 2-second token is refused 1 to 2 seconds after issuance: still valid for
// the checks right after issuance (a 1-second token may expire at once, at the next second
// boundary), and refused after a 2.1 s wait.
it('tokens with a 2 s TTL are refused after they expire', async () => {
  const spa: oauth.Client = { client_id: 'spa' }
  const request = await prepareAuthorization(as, 'spa', REDIRECT)
  const tokens = await redeemCode(as, spa, oauth.None(), request, await server.login(request.url))
  expect(tokens.expires_in).toBe(2)

  const service: oauth.Client = { client_id: 'service' }
  const auth = oauth.ClientSecretBasic(server.clients.service?.clientSecret as string)
  const cc = await oauth.processClientCredentialsResponse(
    as,
    service,
    await oauth.clientCredentialsGrantRequest(as, service, auth, { scope: 'api:read' }, insecure),
  )
  expect(cc.expires_in).toBe(2)
  const introspect = async (token: string) =>
    oauth.processIntrospectionResponse(
      as,
      service,
      await oauth.introspectionRequest(as, service, auth, token, insecure),
    )
  expect((await introspect(cc.access_token)).active).toBe(true)
  expect((await oauth.userInfoRequest(as, spa, tokens.access_token, insecure)).status).toBe(200)

  await new Promise((resolve) => setTimeout(resolve, 2100))

  expect((await introspect(cc.access_token)).active).toBe(false)
  expect((await oauth.userInfoRequest(as, spa, tokens.access_token, insecure)).status).toBe(401)
  await expect(
    oauth.processRefreshTokenResponse(
      as,
      spa,
      await oauth.refreshTokenGrantRequest(
        as,
        spa,
        oauth.None(),
        tokens.refresh_token as string,
        insecure,
      ),
    ),
  ).rejects.toMatchObject({ error: 'invalid_grant' })
})
