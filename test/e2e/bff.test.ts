// The Backend for Frontend against the devserver: login, the session cookie, the API proxy with
// the token added server-side, refresh under the proxy, logout with revocation, back-channel
// logout from the devserver, and the hostile cases (CSRF, open redirects, SSRF by path tricks,
// session fixation, forged logout tokens).
import { createServer, type Server } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { createMemorySessionStore, type SessionStore } from '@oauthkit/core'
import { CookieJar, type DevServer, startDevServer } from '@oauthkit/devserver'
import { createAccessTokenVerifier } from '@oauthkit/node'
import { type Bff, createBff, safeReturnTo, toNodeHandler } from '@oauthkit/node/bff'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BffBrowser } from '../fixtures/bff-browser.js'
import { bffOptions } from '../fixtures/bff-options.js'
import { close, listen } from '../fixtures/listen.js'

let devserver: DevServer
let app: Server
let api: Server
let origin: string
let apiOrigin: string
let bff: Bff
let handler: ReturnType<typeof toNodeHandler> | undefined
// The devserver signs with this key, so the tests can sign logout tokens that verify, and then
// break exactly one thing in each.
let signingKey: CryptoKey
const KID = 'bff-test-key'
const seenByApi: {
  headers: Record<string, string | string[] | undefined>
  sub?: string
  jti?: string
  url?: string
}[] = []

beforeAll(async () => {
  app = createServer((req, res) => handler?.(req, res))
  origin = await listen(app)
  const pair = await generateKeyPair('RS256', { extractable: true })
  signingKey = pair.privateKey
  const privateJwk = { ...(await exportJWK(pair.privateKey)), kid: KID, alg: 'RS256', use: 'sig' }
  devserver = await startDevServer({
    jwks: { keys: [privateJwk] },
    ttl: { accessToken: 4 },
    redirectUris: [`${origin}/auth/callback`],
    clients: {
      web: {
        backchannel_logout_uri: `${origin}/auth/backchannel-logout`,
        backchannel_logout_session_required: true,
        post_logout_redirect_uris: [`${origin}/`],
      },
    },
  })
  const verifier = createAccessTokenVerifier({
    issuer: devserver.issuer,
    audience: devserver.resource,
    allowInsecureRequests: true,
  })
  api = createServer(async (req, res) => {
    try {
      const claims = await verifier.verify(req.headers.authorization ?? '')
      let body = ''
      for await (const chunk of req) body += chunk
      seenByApi.push({
        headers: req.headers,
        sub: claims.sub,
        jti: claims.jti as string,
        url: req.url,
      })
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'upstream=1' })
      res.end(JSON.stringify({ sub: claims.sub, url: req.url, body }))
    } catch {
      res.writeHead(401).end()
    }
  })
  apiOrigin = await listen(api)
  bff = createBff(bffOptions(devserver, origin, `${apiOrigin}/v1/orders`))
  handler = toNodeHandler(bff)
})
afterAll(async () => {
  await Promise.all([devserver?.close(), close(app), close(api)])
})

const grants = () => new Set(devserver.liveRefreshTokens().map((t) => t.grantId))

describe('BFF: the whole flow', () => {
  it('login: PKCE, state and nonce go to the server, the transaction rides in a sealed HttpOnly cookie', async () => {
    const browser = new BffBrowser(origin, devserver)
    const start = await browser.fetch('/auth/login?returnTo=/orders', { csrf: false, origin: null })
    const url = new URL(start.headers.get('location') as string)
    expect(url.searchParams.get('code_challenge_method')).toBe('S256')
    expect(url.searchParams.get('state')).toBeTruthy()
    expect(url.searchParams.get('nonce')).toBeTruthy()
    const [cookie] = browser.setCookies
    expect(cookie).toMatch(
      /^oauthkit-login=[-_A-Za-z0-9]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=600$/,
    )
    // Sealed: nothing of the transaction (the PKCE verifier) can be read from it.
    expect(cookie).not.toContain(url.searchParams.get('state') as string)
  })

  it('callback: a session cookie and nothing token-like reaches the browser; /user gives the claims', async () => {
    const browser = new BffBrowser(origin, devserver)
    const callback = await browser.login('/orders?tab=2')
    expect(callback.status).toBe(303)
    expect(callback.headers.get('location')).toBe('/orders?tab=2')
    const session = browser.setCookies.find((c) => c.startsWith('oauthkit-session='))
    expect(session).toMatch(
      /^oauthkit-session=[-_A-Za-z0-9]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=604800$/,
    )
    const user = await browser.fetch('/auth/user')
    const claims = await user.json()
    expect(claims).toMatchObject({ sub: 'user-alice', name: expect.any(String) })
    const text = JSON.stringify(claims) + browser.setCookies.join()
    expect(text).not.toMatch(/eyJ[\w-]+\.[\w-]+\./) // no JWT anywhere the browser sees
    expect(user.headers.get('cache-control')).toBe('no-store')
  })

  it('anonymous: /user answers 200 null, the proxy 401', async () => {
    const browser = new BffBrowser(origin, devserver)
    expect(await (await browser.fetch('/auth/user')).json()).toBeNull()
    expect((await browser.fetch('/api/orders/1')).status).toBe(401)
  })

  it('proxy: the token is added server-side; cookies, the CSRF header and hop-by-hop fields are not forwarded; bodies stream', async () => {
    const browser = new BffBrowser(origin, devserver)
    await browser.login()
    seenByApi.length = 0
    const response = await rawRequest('/api/orders/42?x=1', browser, {
      method: 'POST',
      body: 'hello upstream',
      headers: {
        'content-type': 'text/plain',
        connection: 'keep-alive, x-secret-hop',
        'x-secret-hop': '1',
      },
    })
    expect(response.status).toBe(200)
    expect(JSON.parse(response.body)).toEqual({
      sub: 'user-alice',
      url: '/v1/orders/42?x=1',
      body: 'hello upstream',
    })
    expect(response.headers['set-cookie']).toBeUndefined()
    const [seen] = seenByApi
    expect(seen?.headers.cookie).toBeUndefined()
    expect(seen?.headers['x-oauthkit-csrf']).toBeUndefined()
    expect(seen?.headers['x-secret-hop']).toBeUndefined()
    expect(seen?.headers.authorization).toMatch(/^Bearer eyJ/)
  })

  it('refreshes under the proxy when the access token expires (rotation, one refresh)', async () => {
    const browser = new BffBrowser(origin, devserver)
    await browser.login()
    seenByApi.length = 0
    await browser.fetch('/api/orders/1')
    await new Promise((resolve) => setTimeout(resolve, 2_200)) // past half of the 4 s lifetime
    const results = await Promise.all([1, 2, 3].map(() => browser.fetch('/api/orders/2')))
    expect(results.map((r) => r.status)).toEqual([200, 200, 200])
    const jtis = new Set(seenByApi.map((s) => s.jti))
    expect(jtis.size).toBe(2) // the first token, then one refreshed token for all three calls
  })

  it('logout: the session ends, the refresh token is revoked, the RP-initiated logout URL comes back', async () => {
    const browser = new BffBrowser(origin, devserver)
    const before = grants()
    await browser.login()
    const [grantId] = [...grants()].filter((g) => !before.has(g))
    const response = await browser.fetch('/auth/logout', { method: 'POST' })
    const { logoutUrl } = await response.json()
    const url = new URL(logoutUrl)
    expect(url.searchParams.get('id_token_hint')).toMatch(/^eyJ/)
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe(`${origin}/`)
    expect(browser.cookies.has('oauthkit-session')).toBe(false)
    expect(await (await browser.fetch('/auth/user')).json()).toBeNull()
    await until(() => devserver.liveRefreshTokens().every((t) => t.grantId !== grantId))
  })

  it('back-channel logout: ending the SSO session at the devserver ends the BFF session', async () => {
    const browser = new BffBrowser(origin, devserver)
    const sso = new CookieJar()
    await browser.login('/', sso)
    expect(await (await browser.fetch('/auth/user')).json()).toMatchObject({
      sid: expect.any(String),
    })
    const endSession = await bff.client.buildEndSessionUrl({ postLogoutRedirectUri: `${origin}/` })
    await devserver.logout(endSession, { cookies: sso })
    await until(async () => (await (await browser.fetch('/auth/user')).json()) === null)
  })
})

describe('BFF: hostile requests', () => {
  it('refuses a cross-site form POST and a fetch without the CSRF header, and an API call from another origin', async () => {
    const browser = new BffBrowser(origin, devserver)
    await browser.login()
    const form = await browser.fetch('/auth/logout', {
      method: 'POST',
      csrf: false,
      origin: 'https://evil.example',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(form.status).toBe(403)
    expect((await browser.fetch('/auth/logout', { method: 'POST', csrf: false })).status).toBe(403)
    expect((await browser.fetch('/api/orders/1', { origin: 'https://evil.example' })).status).toBe(
      403,
    )
    expect((await browser.fetch('/api/orders/1', { csrf: false })).status).toBe(403)
    // Still signed in: nothing of the above got through.
    expect(await (await browser.fetch('/auth/user')).json()).toMatchObject({ sub: 'user-alice' })
  })

  it('refuses a forged or replayed callback', async () => {
    const browser = new BffBrowser(origin, devserver)
    const start = await browser.fetch('/auth/login', { csrf: false, origin: null })
    const callback = new URL(await devserver.login(start.headers.get('location') as string))
    const forged = new URL(callback)
    forged.searchParams.set('state', 'forged')
    expect(
      (await browser.fetch(forged.pathname + forged.search, { csrf: false, origin: null })).status,
    ).toBe(400)
    // The transaction cookie went with the refused attempt: the real callback is refused too.
    expect(
      (await browser.fetch(callback.pathname + callback.search, { csrf: false, origin: null }))
        .status,
    ).toBe(400)
    // A callback without any transaction cookie (replayed in another browser).
    const other = new BffBrowser(origin, devserver)
    expect(
      (await other.fetch(callback.pathname + callback.search, { csrf: false, origin: null }))
        .status,
    ).toBe(400)
    expect(other.cookies.has('oauthkit-session')).toBe(false)
  })

  it.each([
    '//evil.example/x',
    '/\\evil.example',
    '/%2F%2Fevil.example',
    'https://evil.example/',
    '/\tevil',
    'javascript:alert(1)',
  ])('returnTo %j falls back to /', async (returnTo) => {
    expect(safeReturnTo(returnTo, origin)).toBe('/')
    const browser = new BffBrowser(origin, devserver)
    const callback = await browser.login(returnTo)
    expect(callback.headers.get('location')).toBe('/')
  })

  it.each([
    ['/api/orders/..%2F..%2Fadmin', 400],
    ['/api/orders/%2e%2e/%2e%2e/admin', 404],
    ['/api/orders/../../admin', 404],
    ['/api/orders/%5c..%5cadmin', 400],
    ['/api/ordersX/1', 404],
  ])('does not reach outside the allow-list through %s', async (path, status) => {
    const browser = new BffBrowser(origin, devserver)
    await browser.login()
    seenByApi.length = 0
    // Sent raw, as a hostile client would (fetch would normalise the dots).
    const response = await rawRequest(path, browser)
    expect(response.status).toBe(status)
    expect(seenByApi).toHaveLength(0)
  })

  it.each([
    ['TRACE', '/auth/user'],
    ['GET', 'http://['],
  ])(
    'a %s %s request the Fetch API cannot represent gets 400, and the server stays up',
    async (method, path) => {
      const browser = new BffBrowser(origin, devserver)
      const response = await rawRequest(path, browser, { method })
      expect(response.status).toBe(400)
      expect((await browser.fetch('/auth/user')).status).toBe(200)
    },
  )

  it('a forged Host header changes nothing: the upstream and the callback come from the configuration', async () => {
    const browser = new BffBrowser(origin, devserver)
    await browser.login()
    seenByApi.length = 0
    const response = await rawRequest('/api/orders/7', browser, {
      headers: { host: 'evil.example' },
    })
    expect(response.status).toBe(200)
    expect(seenByApi[0]?.url).toBe('/v1/orders/7')
  })

  it('a session id planted before login is not the one that gets the tokens', async () => {
    const browser = new BffBrowser(origin, devserver)
    const planted = 'A'.repeat(43)
    browser.cookies.set('oauthkit-session', planted)
    await browser.login()
    expect(browser.cookies.get('oauthkit-session')).not.toBe(planted)
    const attacker = new BffBrowser(origin, devserver)
    attacker.cookies.set('oauthkit-session', planted)
    expect(await (await attacker.fetch('/auth/user')).json()).toBeNull()
  })

  describe('logout tokens', () => {
    const post = (token: string) =>
      fetch(`${origin}/auth/backchannel-logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ logout_token: token }),
      })
    const event = { 'http://schemas.openid.net/event/backchannel-logout': {} }

    const signedBy = (claims: Record<string, unknown>, key: CryptoKey = signingKey) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', typ: 'logout+jwt', kid: KID })
        .sign(key)
    const valid = (extra: Record<string, unknown> = {}) => ({
      iss: devserver.issuer,
      aud: 'web',
      iat: Math.floor(Date.now() / 1000),
      jti: crypto.randomUUID(),
      events: event,
      sub: 'user-alice',
      ...extra,
    })

    it('control: a logout token that verifies ends the sessions of its sub', async () => {
      const browser = new BffBrowser(origin, devserver)
      await browser.login()
      expect((await post(await signedBy(valid()))).status).toBe(200)
      expect(await (await browser.fetch('/auth/user')).json()).toBeNull()
    })

    it('two logins of one user at the same moment both end at a logout token for their sub', async () => {
      // A store with a read latency (as a network store has): both callbacks read the sub's index
      // before either writes it back.
      const inner = createMemorySessionStore<unknown>()
      const slowIndex: SessionStore<unknown> = {
        async get(key) {
          const value = await inner.get(key)
          if (key.startsWith('oauthkit:bff:sub:')) await sleep(300)
          return value
        },
        set: (key, value, options) => inner.set(key, value, options),
        delete: (key, options) => inner.delete(key, options),
      }
      const usual = handler
      handler = toNodeHandler(
        createBff(bffOptions(devserver, origin, apiOrigin, { store: slowIndex })),
      )
      try {
        const browsers = [new BffBrowser(origin, devserver), new BffBrowser(origin, devserver)]
        const navigation = { csrf: false, origin: null } as const
        const callbacks = await Promise.all(
          browsers.map(async (browser) => {
            const start = await browser.fetch('/auth/login', navigation)
            const url = new URL(await devserver.login(start.headers.get('location') as string))
            return url.pathname + url.search
          }),
        )
        const done = await Promise.all(
          browsers.map((browser, i) => browser.fetch(callbacks[i] as string, navigation)),
        )
        expect(done.map((response) => response.status)).toEqual([303, 303])
        expect((await post(await signedBy(valid({ sid: undefined })))).status).toBe(200)
        for (const browser of browsers) {
          expect(await (await browser.fetch('/auth/user')).json()).toBeNull()
        }
      } finally {
        handler = usual
      }
    })

    it.each([
      [
        'a bad signature',
        async () => signedBy(valid(), (await generateKeyPair('RS256')).privateKey),
      ],
      ['another aud', () => signedBy(valid({ aud: 'other-client' }))],
      ['another iss', () => signedBy(valid({ iss: 'https://evil.example' }))],
      ['no events claim', () => signedBy(valid({ events: undefined }))],
      [
        'events without the back-channel logout event',
        () => signedBy(valid({ events: { other: {} } })),
      ],
      ['a nonce', () => signedBy(valid({ nonce: 'n' }))],
      ['neither sub nor sid', () => signedBy(valid({ sub: undefined }))],
      ['alg none', async () => `${b64({ alg: 'none' })}.${b64(valid())}.`],
      ['not a JWT', async () => 'not-a-jwt'],
    ])('refuses a logout token with %s, and the session stays', async (_, make) => {
      const browser = new BffBrowser(origin, devserver)
      await browser.login()
      const response = await post(await make())
      expect(response.status).toBe(400)
      expect(await (await browser.fetch('/auth/user')).json()).toMatchObject({ sub: 'user-alice' })
    })

    it('accepts the typ application/logout+jwt (RFC 7515 §4.1.9)', async () => {
      const browser = new BffBrowser(origin, devserver)
      await browser.login()
      const token = await new SignJWT(valid())
        .setProtectedHeader({ alg: 'RS256', typ: 'application/logout+jwt', kid: KID })
        .sign(signingKey)
      expect((await post(token)).status).toBe(200)
      expect(await (await browser.fetch('/auth/user')).json()).toBeNull()
    })

    it('refuses a replayed logout token', async () => {
      const token = await signedBy(valid())
      expect((await post(token)).status).toBe(200)
      const browser = new BffBrowser(origin, devserver)
      await browser.login()
      expect((await post(token)).status).toBe(400)
      expect(await (await browser.fetch('/auth/user')).json()).toMatchObject({ sub: 'user-alice' })
    })

    it('refuses a logout token replayed to another instance of a fleet sharing the store', async () => {
      const store = createMemorySessionStore<unknown>()
      const [first, second] = [1, 2].map(() =>
        toNodeHandler(createBff(bffOptions(devserver, origin, apiOrigin, { store }))),
      )
      const usual = handler
      try {
        handler = first
        const token = await signedBy(valid())
        expect((await post(token)).status).toBe(200)
        handler = second
        const browser = new BffBrowser(origin, devserver)
        await browser.login()
        const replayed = await post(token)
        expect(replayed.status).toBe(400)
        expect((await replayed.json()).error_description).toMatch(/replayed/)
        expect(await (await browser.fetch('/auth/user')).json()).toMatchObject({
          sub: 'user-alice',
        })
      } finally {
        handler = usual
      }
    })
  })
})

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

// An HTTP/1.1 request with the path exactly as given (no URL normalisation), and optionally a
// forged Host header.
async function rawRequest(
  path: string,
  browser: BffBrowser,
  options: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const { request } = await import('node:http')
  const url = new URL(origin)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: options.method ?? 'GET',
        headers: {
          host: url.host,
          cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          'x-oauthkit-csrf': '1',
          origin,
          ...options.headers,
        },
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk) => {
          body += chunk
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }))
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

async function until(condition: () => boolean | Promise<boolean>, timeout = 8_000): Promise<void> {
  const end = Date.now() + timeout
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
