// The server-side conformance scenarios, written once and run unmodified in every server runtime
// (Node, Bun, Deno, workerd) against the built @oauthkit/node, with public APIs only. The referee
// (test/runtimes/helpers/start-referee.ts) owns a devserver in the test runner's Node process and
// answers over HTTP for what only it can do: the headless login, minting tokens, request counts.
import {
  createAccessTokenVerifier,
  createServerClient,
  isOAuthKitError,
  OAuthResponseError,
  withAccessToken,
} from '@oauthkit/node'
import { equal, ok, rejects, runAll } from './check.mjs'

/** The scenario names, in the order they run; the test runner expects a result for each. */
export const SERVER_SCENARIOS = [
  'discovery',
  'clientCredentials() caches and makes one request for 50 concurrent calls',
  'authorization code with PKCE S256',
  'authorization code as a private_key_jwt client (private JWK)',
  'a private JWK without its private member is refused when the client is created',
  'refresh rotates the refresh token and the old one is refused',
  'revocation ends the refresh token',
  'introspection',
  'userinfo',
  'withAccessToken() accepts a good token',
  'withAccessToken() refuses a tampered token',
  'withAccessToken() refuses an expired token',
  'withAccessToken() refuses a token for another audience',
]

/**
 * @param {string} refereeUrl
 * @returns {Promise<{ name: string, ok: boolean, ms: number, error?: string }[]>}
 */
export async function runServerScenarios(refereeUrl) {
  const call = async (method, path, body) => {
    const response = await fetch(new URL(path, refereeUrl), {
      method,
      ...(body
        ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
        : {}),
    })
    if (!response.ok) throw new Error(`referee ${path}: ${await response.text()}`)
    return response.json()
  }
  const config = await call('GET', '/config')
  const stats = () => call('GET', '/stats')
  const resetStats = () => call('POST', '/reset-stats')
  const mint = async (body) => (await call('POST', '/mint', body)).token

  const client = (clientId) =>
    createServerClient({
      issuer: config.issuer,
      clientId,
      ...(config.secrets[clientId] ? { clientSecret: config.secrets[clientId] } : {}),
      ...(config.privateKeys[clientId] ? { privateKey: config.privateKeys[clientId] } : {}),
      allowInsecureRequests: true, // the devserver is http://127.0.0.1
    })
  const login = async (web) => {
    const { url, transaction } = await web.buildAuthorizationUrl({
      redirectUri: config.redirectUri,
      scope: 'openid profile email',
    })
    const { callback } = await call('POST', '/login', { url: String(url) })
    const session = await web.authorizationCodeGrant(callback, transaction)
    return { url: new URL(url), session, tokenSet: session.tokenSet }
  }
  const api = () => {
    const verifier = createAccessTokenVerifier({
      issuer: config.issuer,
      audience: config.resource,
      allowInsecureRequests: true,
    })
    const handler = withAccessToken(verifier, (_request, claims) => Response.json(claims))
    return (token) =>
      handler(
        new Request('https://api.example.com/orders', {
          headers: token ? { authorization: `Bearer ${token}` } : {},
        }),
      )
  }
  // A session survives JSON (a cookie store, a database, Redis) without losing anything.
  const deepEqualJson = (session) =>
    equal(
      JSON.stringify(JSON.parse(JSON.stringify(session))),
      JSON.stringify(session),
      'JSON round trip',
    )
  const refused = async (response, what) => {
    equal(response.status, 401, `${what}: status`)
    ok(
      /^Bearer .*error="invalid_token"/.test(response.headers.get('www-authenticate') ?? ''),
      `${what}: WWW-Authenticate names invalid_token`,
    )
  }

  return runAll({
    discovery: async () => {
      const service = client('service')
      const metadata = await service.metadata()
      equal(metadata.issuer, config.issuer, 'issuer')
      ok(metadata.code_challenge_methods_supported?.includes('S256'), 'S256 is advertised')
      await resetStats()
      await service.metadata()
      equal((await stats()).discovery, undefined, 'discovery requests once metadata is cached')
    },

    'clientCredentials() caches and makes one request for 50 concurrent calls': async () => {
      const service = client('service')
      await service.metadata()
      await resetStats()
      const tokens = await Promise.all(
        Array.from({ length: 50 }, () => service.clientCredentials({ scope: 'api:read' })),
      )
      equal(new Set(tokens.map((t) => t.accessToken)).size, 1, 'distinct tokens')
      const again = await service.clientCredentials({ scope: 'api:read' })
      equal(again.accessToken, tokens[0].accessToken, 'the next call answers from the cache')
      equal((await stats()).token, 1, 'token requests')
    },

    'authorization code with PKCE S256': async () => {
      const { url, tokenSet } = await login(client('web'))
      equal(url.searchParams.get('code_challenge_method'), 'S256', 'code_challenge_method')
      ok(url.searchParams.get('code_challenge')?.length === 43, 'a SHA-256 code_challenge')
      ok(tokenSet.accessToken && tokenSet.refreshToken && tokenSet.idToken, 'all three tokens')
      const { session } = await login(client('web'))
      equal(session.claims?.sub, 'user-alice', 'the validated ID Token claims are in the session')
      deepEqualJson(session)
    },

    'authorization code as a private_key_jwt client (private JWK)': async () => {
      const webJwt = client('web-jwt')
      const { session } = await login(webJwt)
      equal(session.claims?.aud, 'web-jwt', 'ID Token audience')
    },

    'a private JWK without its private member is refused when the client is created': async () => {
      const { d: _d, ...publicOnly } = config.privateKeys['web-jwt']
      const { y: _y, ...noY } = config.privateKeys['web-jwt']
      for (const privateKey of [publicOnly, noY]) {
        let err
        try {
          createServerClient({
            issuer: config.issuer,
            clientId: 'web-jwt',
            privateKey,
            allowInsecureRequests: true,
          })
        } catch (e) {
          err = e
        }
        ok(err instanceof TypeError, 'a TypeError')
        equal(err.code, 'ERR_INVALID_ARG_VALUE', 'code')
        ok(err.message.includes('"privateKey"'), 'the message names privateKey')
      }
    },

    'refresh rotates the refresh token and the old one is refused': async () => {
      const web = client('web')
      const { session, tokenSet } = await login(web)
      const { tokenSet: refreshed, claims } = await web.refreshTokenGrant(session)
      equal(claims?.sub, 'user-alice', 'the refreshed session keeps its subject')
      ok(refreshed.accessToken !== tokenSet.accessToken, 'a new access token')
      ok(refreshed.refreshToken && refreshed.refreshToken !== tokenSet.refreshToken, 'rotated')
      const err = await rejects(web.refreshTokenGrant(tokenSet.refreshToken), 'reused token')
      ok(err instanceof OAuthResponseError, 'an OAuthResponseError')
      equal(err.error, 'invalid_grant', 'error')
    },

    'revocation ends the refresh token': async () => {
      const web = client('web')
      const { tokenSet } = await login(web)
      await web.revokeToken(tokenSet.refreshToken)
      const err = await rejects(web.refreshTokenGrant(tokenSet.refreshToken), 'revoked token')
      ok(isOAuthKitError(err), 'an OAuthKitError')
      equal(err.error, 'invalid_grant', 'error')
    },

    introspection: async () => {
      const web = client('web')
      const { tokenSet } = await login(web)
      const active = await web.introspectToken(tokenSet.accessToken)
      equal([active.active, active.sub, active.client_id], [true, 'user-alice', 'web'], 'claims')
      await web.revokeToken(tokenSet.accessToken)
      equal((await web.introspectToken(tokenSet.accessToken)).active, false, 'after revocation')
    },

    userinfo: async () => {
      const web = client('web')
      const { tokenSet } = await login(web)
      const userInfo = await web.fetchUserInfo(tokenSet.accessToken, {
        expectedSubject: 'user-alice',
      })
      equal([userInfo.sub, userInfo.email], ['user-alice', 'alice@example.com'], 'claims')
    },

    'withAccessToken() accepts a good token': async () => {
      const { accessToken } = await client('service').clientCredentials({
        scope: 'api:read',
        resource: config.resource,
      })
      const response = await api()(accessToken)
      equal(response.status, 200, 'status')
      const claims = await response.json()
      equal(
        [claims.iss, claims.aud, claims.client_id],
        [config.issuer, config.resource, 'service'],
        'claims',
      )
      const bare = await api()(undefined)
      equal([bare.status, bare.headers.get('www-authenticate')], [401, 'Bearer'], 'no token')
    },

    'withAccessToken() refuses a tampered token': async () => {
      const token = await mint({ ttl: 300 })
      const [header, payload, signature] = token.split('.')
      const claims = JSON.parse(fromBase64Url(payload))
      const forged = `${header}.${toBase64Url(JSON.stringify({ ...claims, sub: 'user-mallory' }))}.${signature}`
      const verify = api()
      equal((await verify(token)).status, 200, 'the untouched token')
      await refused(await verify(forged), 'tampered')
    },

    'withAccessToken() refuses an expired token': async () => {
      // Expired 30 s ago: beyond the verifier's default clock tolerance (5 s).
      await refused(await api()(await mint({ ttl: -30 })), 'expired')
    },

    'withAccessToken() refuses a token for another audience': async () => {
      await refused(
        await api()(await mint({ ttl: 300, resource: 'https://other.example.com/api' })),
        'audience',
      )
    },
  })
}

/** @param {string} text */
function fromBase64Url(text) {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'))
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)))
}

/** @param {string} text */
function toBase64Url(text) {
  const bytes = new TextEncoder().encode(text)
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
}
