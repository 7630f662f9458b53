// @vitest-environment happy-dom
/**
 * `createBrowserClient` against the hostile server, under happy-dom with fake-indexeddb (the
 * Chromium suite in test/browser proves the real IndexedDB): a bad callback or token response
 * stores nothing, a valid session survives it, a callback is usable once, and logout clears
 * everything even when the server is down.
 */
import 'fake-indexeddb/auto'
import {
  type BrowserClient,
  createBrowserClient,
  createMemoryStore,
  type KeyValueStore,
} from '@oauthkit/browser'
import { afterEach, describe, expect, it } from 'vitest'
import { CLIENT_ID, REDIRECT_URI, useHostileServer } from './fixture.js'
import { expectRefusal } from './helpers.js'
import { type Handler, hang, json, resetSocket } from './hostile-server.js'

const server = useHostileServer()
const clients: BrowserClient[] = []
afterEach(() => {
  for (const client of clients.splice(0)) client.close()
})

/** A memory store that records every value ever written, to prove what was (never) stored. */
function spyStore(): KeyValueStore & { written: string[]; snapshot(): Promise<string> } {
  const inner = createMemoryStore()
  const keys = new Set<string>()
  const written: string[] = []
  return {
    written,
    get: (key) => inner.get(key),
    async set(key, value) {
      keys.add(key)
      written.push(JSON.stringify(value))
      await inner.set(key, value)
    },
    async delete(key) {
      keys.delete(key)
      await inner.delete(key)
    },
    async snapshot() {
      const all: Record<string, unknown> = {}
      for (const key of keys) all[key] = await inner.get(key)
      return JSON.stringify(all)
    },
  }
}

/** The session entry a spy store holds, if any. */
async function storedSession(
  store: ReturnType<typeof spyStore>,
): Promise<{ tokenSet: { accessToken: string; refreshToken?: string } } | undefined> {
  const all = JSON.parse(await store.snapshot()) as Record<string, unknown>
  const entry = Object.entries(all).find(([key]) => key.endsWith(' session'))
  return entry?.[1] as { tokenSet: { accessToken: string; refreshToken?: string } } | undefined
}

function client(store: KeyValueStore | undefined = spyStore()) {
  const navigations: string[] = []
  const auth = createBrowserClient({
    issuer: server().issuer,
    clientId: CLIENT_ID,
    redirectUri: REDIRECT_URI,
    scope: 'openid offline_access',
    allowInsecureRequests: true,
    navigate: (url) => navigations.push(url),
    ...(store ? { store } : {}),
  })
  clients.push(auth)
  /** Logs in through the hostile server; returns the callback URL (not yet handled). */
  const startLogin = async (extra?: Record<string, string | null>) => {
    await auth.login()
    const url = navigations.at(-1) as string
    return server().authorize(url, extra)
  }
  return { auth, navigations, startLogin }
}

const allSecrets = () => [...server().secrets]

async function loggedIn(store: KeyValueStore) {
  const c = client(store)
  await c.auth.handleRedirect(await c.startLogin())
  const token = await c.auth.getAccessToken()
  return { ...c, token }
}

/** Token values the hostile server sent in refused responses: none may ever be stored. */
const refused: string[] = []
const badIdToken: Handler = async (_q, res, { server }) => {
  const tokens = await server.tokens(CLIENT_ID, { idToken: false })
  const idToken = await server.mintIdToken(CLIENT_ID, { sub: 'admin' }, { key: server.attackerRsa })
  refused.push(tokens.access_token as string, tokens.refresh_token as string, idToken)
  json(res, 200, { ...tokens, id_token: idToken })
}

describe('browser client', () => {
  it('control: a login through the hostile server in default mode works', async () => {
    const { auth, token } = await loggedIn(spyStore())
    expect(token).toMatch(/^at-/)
    expect((await auth.getUser())?.sub).toBe('user-1')
  })

  it('control: a URL-object issuer is matched by normalised href', async () => {
    const navigations: string[] = []
    const auth = createBrowserClient({
      issuer: new URL(server().origin),
      clientId: CLIENT_ID,
      redirectUri: REDIRECT_URI,
      scope: 'openid',
      allowInsecureRequests: true,
      store: createMemoryStore(),
      navigate: (url) => navigations.push(url),
    })
    clients.push(auth)
    await auth.login()
    await auth.handleRedirect(server().authorize(navigations[0] as string))
    expect((await auth.getUser())?.sub).toBe('user-1')
  })

  it('after login no token, code or verifier is in localStorage, sessionStorage or cookies', async () => {
    const c = client(undefined) // default IndexedDB store
    const callback = await c.startLogin()
    await c.auth.handleRedirect(callback)
    expect(await c.auth.getAccessToken()).toMatch(/^at-/)
    const visible = [
      JSON.stringify({ ...localStorage }),
      JSON.stringify({ ...sessionStorage }),
      document.cookie,
    ].join('\n')
    for (const secret of allSecrets()) expect(visible).not.toContain(secret)
    expect(visible).not.toMatch(/"(at|rt|code)-/)
  })

  it('refuses a callback with no pending login, without a token request', async () => {
    const { auth } = client()
    const forged = new URL(REDIRECT_URI)
    forged.search = new URLSearchParams({
      code: 'code-forged-0001',
      state: 'x',
      iss: server().issuer,
    }).toString()
    await expectRefusal(auth.handleRedirect(forged), 'ERR_TRANSACTION_MISSING', [
      'code-forged-0001',
    ])
    expect(server().count('/token')).toBe(0)
  })

  it('the same callback twice makes exactly one token request; the replay is ERR_TRANSACTION_MISSING', async () => {
    const { auth, startLogin } = client()
    const callback = await startLogin()
    await auth.handleRedirect(callback)
    await expectRefusal(auth.handleRedirect(callback), 'ERR_TRANSACTION_MISSING', allSecrets())
    expect(server().count('/token')).toBe(1)
  })

  it('the same callback handled twice concurrently makes exactly one token request', async () => {
    const { auth, startLogin } = client()
    const callback = await startLogin()
    const results = await Promise.allSettled([
      auth.handleRedirect(callback),
      auth.handleRedirect(callback),
    ])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    expect(server().count('/token')).toBe(1)
  })

  it('refuses a callback with another state, without a token request', async () => {
    const { auth, startLogin } = client()
    const callback = await startLogin({ state: 'attacker-state' })
    await expectRefusal(auth.handleRedirect(callback), 'ERR_STATE_MISMATCH', allSecrets())
    expect(server().count('/token')).toBe(0)
  })

  it('a refused callback (wrong iss) consumes the pending login: replaying it is ERR_TRANSACTION_MISSING', async () => {
    const { auth, startLogin } = client()
    const callback = await startLogin({ iss: 'https://honest-as.example' })
    await expectRefusal(auth.handleRedirect(callback), 'ERR_ISSUER_MISMATCH', allSecrets())
    callback.searchParams.set('iss', server().issuer)
    await expectRefusal(auth.handleRedirect(callback), 'ERR_TRANSACTION_MISSING', allSecrets())
    expect(server().count('/token')).toBe(0)
  })

  it('error=access_denied is an OAuthResponseError with its description; nothing stored', async () => {
    const store = spyStore()
    const { auth, startLogin } = client(store)
    const callback = await startLogin({
      code: null,
      error: 'access_denied',
      error_description: 'no',
    })
    const err = await expectRefusal(
      auth.handleRedirect(callback),
      'ERR_OAUTH_RESPONSE',
      allSecrets(),
    )
    expect(err).toMatchObject({ error: 'access_denied', error_description: 'no' })
    expect(await auth.getUser()).toBeUndefined()
    expect(store.written.join()).not.toMatch(/"accessToken"/)
  })

  it('an ID Token signed by an attacker key: nothing stored, nothing used, login consumed', async () => {
    const store = spyStore()
    const { auth, startLogin } = client(store)
    const callback = await startLogin()
    server().on('/token', badIdToken)
    await expectRefusal(auth.handleRedirect(callback), 'OAUTH_INVALID_RESPONSE', allSecrets())
    expect(refused).toHaveLength(3)
    for (const token of refused) expect(store.written.join('\n')).not.toContain(token)
    expect(await auth.getUser()).toBeUndefined()
    await expectRefusal(auth.getAccessToken(), 'ERR_LOGIN_REQUIRED', allSecrets())
    await expectRefusal(auth.handleRedirect(callback), 'ERR_TRANSACTION_MISSING', allSecrets())
    expect(server().count('/token')).toBe(1)
    expect(server().count('/userinfo')).toBe(0)
  })

  it('a hostile second login leaves the valid session untouched', async () => {
    const store = spyStore()
    const { auth, startLogin, token } = await loggedIn(store)
    const before = await store.snapshot()
    const callback = await startLogin()
    server().on('/token', (_q, res) =>
      json(res, 200, { access_token: 'at-attacker-injected', token_type: 'mac' }),
    )
    await expectRefusal(auth.handleRedirect(callback), 'OAUTH_UNSUPPORTED_OPERATION', allSecrets())
    expect(await auth.getAccessToken()).toBe(token)
    expect((await auth.getUser())?.sub).toBe('user-1')
    // The pending login was consumed, the session is byte for byte what it was.
    const after = JSON.parse(await store.snapshot())
    const session = Object.entries(after).find(([key]) => key.endsWith(' session'))
    const sessionBefore = Object.entries(JSON.parse(before)).find(([key]) =>
      key.endsWith(' session'),
    )
    expect(session).toEqual(sessionBefore)
    expect(store.written.join('\n')).not.toContain('at-attacker-injected')
  })

  it('refresh rotation replaces the access and refresh token together', async () => {
    const store = spyStore()
    const { auth, token } = await loggedIn(store)
    const rotated = await auth.getAccessToken({ forceRefresh: true })
    expect(rotated).not.toBe(token)
    const snapshot = JSON.parse(await store.snapshot())
    const [, session] = Object.entries(snapshot).find(([key]) => key.endsWith(' session')) as [
      string,
      { tokenSet: { accessToken: string; refreshToken: string } },
    ]
    expect(session.tokenSet.accessToken).toBe(rotated)
    const refreshBody = server().bodies.get('/token')?.at(-1)
    expect(session.tokenSet.refreshToken).not.toBe(refreshBody?.get('refresh_token'))
  })

  it('a refresh response without refresh_token keeps the old refresh token', async () => {
    const store = spyStore()
    const { auth } = await loggedIn(store)
    const oldRefresh = (await storedSession(store))?.tokenSet.refreshToken
    expect(oldRefresh).toMatch(/^rt-/)
    server().on('/token', (_q, res) =>
      json(res, 200, { access_token: 'at-no-rotation-02', token_type: 'Bearer', expires_in: 300 }),
    )
    expect(await auth.getAccessToken({ forceRefresh: true })).toBe('at-no-rotation-02')
    const session = await storedSession(store)
    expect(session?.tokenSet.refreshToken).toBe(oldRefresh)
  })

  it('invalid_grant on refresh clears the session once (ERR_LOGIN_REQUIRED), no retry loop', async () => {
    const { auth } = await loggedIn(spyStore())
    server().on('/token', (_q, res) => json(res, 400, { error: 'invalid_grant' }))
    const before = server().count('/token')
    await expectRefusal(
      auth.getAccessToken({ forceRefresh: true }),
      'ERR_LOGIN_REQUIRED',
      allSecrets(),
    )
    await expectRefusal(auth.getAccessToken(), 'ERR_LOGIN_REQUIRED', allSecrets())
    expect(server().count('/token') - before).toBe(1)
    expect(await auth.getUser()).toBeUndefined()
  })

  it('a 503 on refresh keeps the session', async () => {
    const { auth, token } = await loggedIn(spyStore())
    server().on('/token', (_q, res) => {
      res.writeHead(503).end()
    })
    await expectRefusal(auth.getAccessToken({ forceRefresh: true }), 'ERR_SERVER', allSecrets())
    server().reset()
    expect(await auth.getAccessToken()).toBe(token)
    expect((await auth.getUser())?.sub).toBe('user-1')
  })

  it('a connection reset on refresh keeps the session', async () => {
    const { auth, token } = await loggedIn(spyStore())
    server().on('/token', resetSocket)
    await expectRefusal(auth.getAccessToken({ forceRefresh: true }), 'ERR_NETWORK', allSecrets())
    expect(await auth.getAccessToken()).toBe(token)
  })

  it('a refresh whose ID Token names another sub is refused and the session kept', async () => {
    const { auth, token } = await loggedIn(spyStore())
    server().on('/token', async (_q, res, { server }) => {
      json(res, 200, await server.tokens(CLIENT_ID, { sub: 'attacker' }))
    })
    await expectRefusal(
      auth.getAccessToken({ forceRefresh: true }),
      'ERR_SUBJECT_MISMATCH',
      allSecrets(),
    )
    server().reset()
    expect(await auth.getAccessToken()).toBe(token)
    expect((await auth.getUser())?.sub).toBe('user-1')
  })

  it('logout clears everything even when the revocation endpoint resets and the end-session endpoint is down', async () => {
    const store = spyStore()
    const { auth, navigations } = await loggedIn(store)
    server().on('/revoke', resetSocket)
    server().on('/end-session', resetSocket)
    await auth.logout()
    expect(await auth.getUser()).toBeUndefined()
    await expectRefusal(auth.getAccessToken(), 'ERR_LOGIN_REQUIRED')
    const left = await store.snapshot()
    for (const secret of allSecrets()) expect(left).not.toContain(secret)
    expect(navigations.at(-1)).toContain('/end-session')
  })

  it('logout clears everything even when the revocation endpoint hangs', async () => {
    const store = spyStore()
    const { auth } = await loggedIn(store)
    server().on('/revoke', hang)
    await auth.logout()
    expect(await auth.getUser()).toBeUndefined()
    for (const secret of allSecrets()) expect(await store.snapshot()).not.toContain(secret)
  }, 15_000)

  it('auth.fetch never sends the access token to an origin that is not allowed', async () => {
    const { auth, token } = await loggedIn(spyStore())
    await expect(auth.fetch(`${server().origin}/api`)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
    })
    expect(server().count('/api')).toBe(0)
    expect(token).toMatch(/^at-/)
  })
})
