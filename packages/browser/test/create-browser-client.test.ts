import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  createBrowserClient,
  createMemoryStore,
  isOAuthKitError,
  type KeyValueStore,
  type SessionEvent,
} from '../src/index.js'
import { REDIRECT_URI, setupClient } from './helpers/setup-client.js'

const clients: { close(): void }[] = []
afterEach(() => {
  for (const client of clients.splice(0)) client.close()
  vi.useRealTimers()
})

async function setup(...args: Parameters<typeof setupClient>) {
  const result = await setupClient(...args)
  clients.push(result.auth)
  return result
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
  } catch (err) {
    return (err as { code?: string }).code
  }
  return undefined
}

describe('createBrowserClient', () => {
  it('touches nothing at construction: no fetch, no store, no navigation', () => {
    const calls: string[] = []
    const store: KeyValueStore = {
      get: async () => calls.push('get'),
      set: async () => {
        calls.push('set')
      },
      delete: async () => {
        calls.push('delete')
      },
    }
    createBrowserClient({
      issuer: 'https://as.example',
      clientId: 'spa',
      redirectUri: REDIRECT_URI,
      scope: 'openid',
      store,
      fetch: async () => {
        calls.push('fetch')
        return new Response()
      },
      navigate: () => calls.push('navigate'),
    })
    expect(calls).toEqual([])
  })

  it('refuses bad options with a TypeError naming the option, not its value', () => {
    const base = {
      issuer: 'https://as.example',
      clientId: 'spa',
      redirectUri: REDIRECT_URI,
      scope: 'openid',
    }
    const cases: [Record<string, unknown>, string, string][] = [
      [{ issuer: 'not a url' }, 'ERR_INVALID_ARG_VALUE', 'options.issuer'],
      [{ clientId: '' }, 'ERR_INVALID_ARG_TYPE', 'options.clientId'],
      [{ redirectUri: 42 }, 'ERR_INVALID_ARG_TYPE', 'options.redirectUri'],
      // A string, so the right type: an empty one is a bad value.
      [{ redirectUri: '' }, 'ERR_INVALID_ARG_VALUE', 'options.redirectUri'],
      [{ redirectUri: '/callback' }, 'ERR_INVALID_ARG_VALUE', 'options.redirectUri'],
      [{ scope: undefined }, 'ERR_INVALID_ARG_TYPE', 'options.scope'],
      [{ store: {} }, 'ERR_INVALID_ARG_TYPE', 'options.store'],
      [{ fetch: 'fetch' }, 'ERR_INVALID_ARG_TYPE', 'options.fetch'],
      [{ dpop: true }, 'ERR_INVALID_ARG_TYPE', 'options.dpop'],
    ]
    for (const [patch, code, name] of cases) {
      const create = () => createBrowserClient({ ...base, ...patch } as never)
      expect(create).toThrow(TypeError)
      expect(create).toThrow(
        expect.objectContaining({ code, message: expect.stringContaining(name) }),
      )
    }
  })
})

describe('login', () => {
  it('navigates with PKCE S256, state and nonce, and keeps the transaction in the store', async () => {
    const { auth, navigations, store, server } = await setup()
    await auth.login({ prompt: 'consent', loginHint: 'ada', returnTo: '/orders' })
    const url = new URL(navigations[0] ?? '')
    expect(url.origin + url.pathname).toBe(`${server.issuer}/authorize`)
    const params = Object.fromEntries(url.searchParams)
    expect(params).toMatchObject({
      client_id: 'spa',
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'openid offline_access',
      code_challenge_method: 'S256',
      prompt: 'consent',
      login_hint: 'ada',
    })
    expect(params.state).toMatch(/^[\w-]{43}$/)
    expect(params.nonce).toMatch(/^[\w-]{43}$/)
    expect(params.code_challenge).toMatch(/^[\w-]{43}$/)
    expect(url.href).not.toContain('orders') // returnTo stays in the store
    const pending = (await store.get(`${server.issuer} spa pending`)) as Record<string, unknown>
    expect(Object.keys(pending)).toEqual([params.state])
  })

  it('pushes the request (PAR) when the server requires it', async () => {
    const { auth, navigations } = await setup(
      {},
      { metadata: { require_pushed_authorization_requests: true } },
    )
    await auth.login()
    const params = new URL(navigations[0] ?? '').searchParams
    expect([...params.keys()].sort()).toEqual(['client_id', 'request_uri'])
  })

  it('refuses bad options before any I/O', async () => {
    const { auth, server } = await setup()
    await expect(auth.login({ prompt: 1 } as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    })
    expect(server.seen).toEqual([])
  })
})

describe('handleRedirect', () => {
  it('exchanges the code, stores the session, cleans the address bar and returns returnTo', async () => {
    const { auth, navigations, server, store } = await setup()
    await auth.login({ returnTo: '/orders' })
    const callback = new URL(server.authorize(navigations[0] ?? ''))
    history.replaceState(null, '', `${callback.pathname}${callback.search}#keep`)
    expect(location.search).toContain('code=')

    const events: SessionEvent[] = []
    auth.subscribe((event) => events.push(event))
    await expect(auth.handleRedirect()).resolves.toEqual({ returnTo: '/orders' })

    expect(location.href).toBe(`${location.origin}/callback#keep`)
    expect(await auth.getUser()).toMatchObject({ sub: 'user-1', name: 'Ada', iss: server.issuer })
    expect(await auth.getAccessToken()).toMatch(/^at-/)
    expect(events).toEqual([{ type: 'login', fromOtherTab: false }])
    expect(await store.get(`${server.issuer} spa pending`)).toEqual({})
    expect(localStorage.length).toBe(0)
    expect(sessionStorage.length).toBe(0)
  })

  it('refuses a replayed callback and stores nothing', async () => {
    const { auth, signIn, server, store } = await setup()
    const callback = await signIn()
    await auth.logout()
    expect(await codeOf(auth.handleRedirect(callback))).toBe('ERR_TRANSACTION_MISSING')
    expect(await store.get(`${server.issuer} spa session`)).toBeUndefined()
    expect(server.count('authorization_code')).toBe(1)
  })

  it('refuses a callback with a foreign state and keeps the real login pending', async () => {
    const { auth, navigations, server, store } = await setup()
    await auth.login()
    const callback = new URL(server.authorize(navigations[0] ?? ''))
    const forged = new URL(callback)
    forged.searchParams.set('state', 'forged-state')
    expect(await codeOf(auth.handleRedirect(forged))).toBe('ERR_STATE_MISMATCH')
    expect(await store.get(`${server.issuer} spa session`)).toBeUndefined()
    expect(server.count('authorization_code')).toBe(0)
    await expect(auth.handleRedirect(callback)).resolves.toEqual({})
  })

  it('refuses a callback from another issuer (RFC 9207) and stores nothing', async () => {
    const { auth, navigations, server, store } = await setup()
    await auth.login()
    const callback = server.authorize(navigations[0] ?? '', { iss: 'https://evil.example' })
    const error = await auth.handleRedirect(callback).catch((err: unknown) => err)
    expect(isOAuthKitError(error)).toBe(true)
    expect(await store.get(`${server.issuer} spa session`)).toBeUndefined()
    expect(server.count('authorization_code')).toBe(0)
    // The transaction was consumed: the same callback cannot be tried again.
    expect(await codeOf(auth.handleRedirect(callback))).toBe('ERR_TRANSACTION_MISSING')
  })

  it('refuses the callback of a login abandoned for over an hour', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { auth, navigations, server } = await setup()
    await auth.login()
    const callback = server.authorize(navigations[0] ?? '')
    vi.setSystemTime(Date.now() + 3_600_001)
    expect(await codeOf(auth.handleRedirect(callback))).toBe('ERR_TRANSACTION_MISSING')
    expect(server.count('authorization_code')).toBe(0)
  })

  it('surfaces an error response as OAuthResponseError without its text in the URL', async () => {
    const { auth, navigations, server, store } = await setup()
    await auth.login()
    const state = new URL(navigations[0] ?? '').searchParams.get('state')
    const callback = `${REDIRECT_URI}?error=access_denied&state=${state}&iss=${encodeURIComponent(server.issuer)}`
    history.replaceState(null, '', new URL(callback).pathname + new URL(callback).search)
    await expect(auth.handleRedirect()).rejects.toMatchObject({
      name: 'OAuthResponseError',
      error: 'access_denied',
    })
    expect(location.search).toBe('')
    expect(await store.get(`${server.issuer} spa session`)).toBeUndefined()
  })

  it('never puts the code or a token in an error message', async () => {
    const { auth, navigations, server } = await setup()
    await auth.login()
    const callback = new URL(server.authorize(navigations[0] ?? ''))
    const code = callback.searchParams.get('code') ?? ''
    server.state.failNext = 400
    const error = (await auth.handleRedirect(callback).catch((err: unknown) => err)) as Error
    expect(JSON.stringify({ m: error.message, s: error.stack })).not.toContain(code)
  })
})

describe('getAccessToken', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] })
  })

  it('answers from memory while the token is fresh', async () => {
    const { auth, signIn, server } = await setup()
    await signIn()
    const before = server.seen.length
    const first = await auth.getAccessToken()
    expect(await auth.getAccessToken()).toBe(first)
    expect(server.seen.length).toBe(before)
  })

  it('refreshes ahead of expiry, stores the rotated refresh token, and emits refresh', async () => {
    const { auth, signIn, server, store } = await setup()
    await signIn()
    const first = await auth.getAccessToken()
    const events: SessionEvent[] = []
    auth.subscribe((event) => events.push(event))
    vi.setSystemTime(Date.now() + 3_570_000) // 30 s before expiry: inside the refresh window
    const second = await auth.getAccessToken()
    expect(second).not.toBe(first)
    expect(server.count('refresh_token')).toBe(1)
    const stored = (await store.get(`${server.issuer} spa session`)) as {
      tokenSet: { refreshToken: string; idToken?: string }
    }
    expect(stored.tokenSet.refreshToken).toBe('rt-2')
    expect(stored.tokenSet.idToken).toBeDefined() // kept although the refresh had none
    expect(events).toEqual([{ type: 'refresh', fromOtherTab: false }])
  })

  it('shares one refresh among 100 concurrent callers', async () => {
    const { auth, signIn, server } = await setup()
    await signIn()
    vi.setSystemTime(Date.now() + 3_600_000)
    const tokens = await Promise.all(Array.from({ length: 100 }, () => auth.getAccessToken()))
    expect(new Set(tokens).size).toBe(1)
    expect(server.count('refresh_token')).toBe(1)
  })

  it('rejects with ERR_LOGIN_REQUIRED when logged out; getUser() is undefined', async () => {
    const { auth } = await setup()
    expect(await codeOf(auth.getAccessToken())).toBe('ERR_LOGIN_REQUIRED')
    expect(await auth.getUser()).toBeUndefined()
  })

  it('clears the session on invalid_grant and asks for a login', async () => {
    const { auth, signIn, server, store } = await setup()
    await signIn()
    server.state.failNext = undefined
    // Spend the refresh token elsewhere: the server now refuses it.
    await server.fetch(`${server.issuer}/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'rt-1' }),
    })
    const events: SessionEvent[] = []
    auth.subscribe((event) => events.push(event))
    vi.setSystemTime(Date.now() + 3_600_000)
    const error = await auth.getAccessToken().catch((err: unknown) => err)
    expect(error).toMatchObject({ code: 'ERR_LOGIN_REQUIRED' })
    expect((error as Error).message).not.toContain('rt-')
    expect(await store.get(`${server.issuer} spa session`)).toBeUndefined()
    expect(await auth.getUser()).toBeUndefined()
    expect(events).toEqual([{ type: 'logout', fromOtherTab: false }])
  })

  it.each([
    ['a network failure', 'network'],
    ['a 503', 503],
  ] as const)('keeps the session after %s and surfaces a retryable error', async (_, failure) => {
    const { auth, signIn, server } = await setup()
    await signIn()
    vi.setSystemTime(Date.now() + 3_600_000)
    server.state.failNext = failure
    const error = await auth.getAccessToken().catch((err: unknown) => err)
    expect(isOAuthKitError(error)).toBe(true)
    expect(error).not.toMatchObject({ code: 'ERR_LOGIN_REQUIRED' })
    expect(error).toMatchObject(
      failure === 'network' ? { code: 'ERR_NETWORK' } : { code: 'ERR_SERVER', status: 503 },
    )
    expect(await auth.getUser()).toBeDefined()
    expect(await auth.getAccessToken()).toMatch(/^at-/) // the retry succeeds
    expect(server.count('refresh_token')).toBe(2)
  })

  it('still returns the current token when a refresh ahead of expiry fails', async () => {
    const { auth, signIn, server } = await setup()
    await signIn()
    const first = await auth.getAccessToken()
    vi.setSystemTime(Date.now() + 3_570_000)
    server.state.failNext = 'network'
    expect(await auth.getAccessToken()).toBe(first)
  })

  it.each([
    [
      'the tab becomes visible',
      () => document.dispatchEvent(new Event('visibilitychange', { bubbles: true })),
    ],
    ['the device is back online', () => window.dispatchEvent(new Event('online'))],
  ])('refreshes ahead of expiry when %s, and no longer after close()', async (_, wake) => {
    const { auth, signIn, server } = await setup()
    await signIn()
    vi.setSystemTime(Date.now() + 3_570_000)
    wake()
    await vi.waitFor(() => expect(server.count('refresh_token')).toBe(1))
    vi.setSystemTime(Date.now() + 3_570_000)
    auth.close()
    wake()
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(server.count('refresh_token')).toBe(1)
  })

  it('a refresh that completes after logout does not bring the session back', async () => {
    const { auth, signIn, server, store } = await setup()
    await signIn()
    vi.setSystemTime(Date.now() + 3_600_000)
    let release = (): void => {}
    server.state.hold = new Promise((resolve) => {
      release = resolve
    })
    const refreshing = auth.getAccessToken().catch((err: unknown) => err)
    await vi.waitFor(() => expect(server.count('refresh_token')).toBe(1))
    server.state.hold = undefined
    await auth.logout()
    release()
    expect(await refreshing).toMatchObject({ code: 'ERR_LOGIN_REQUIRED' })
    expect(await store.get(`${server.issuer} spa session`)).toBeUndefined()
    expect(await auth.getUser()).toBeUndefined()
    expect(await codeOf(auth.getAccessToken())).toBe('ERR_LOGIN_REQUIRED')
  })

  it('refreshes on demand with forceRefresh', async () => {
    const { auth, signIn, server } = await setup()
    await signIn()
    const first = await auth.getAccessToken()
    expect(await auth.getAccessToken({ forceRefresh: true })).not.toBe(first)
    expect(server.count('refresh_token')).toBe(1)
  })
})

describe('URL arguments', () => {
  it('refuses an empty or relative URL as a bad value, before any I/O', async () => {
    const { auth, server } = await setup()
    for (const url of ['', 'callback?code=x']) {
      await expect(auth.handleRedirect(url)).rejects.toMatchObject({
        name: 'TypeError',
        code: 'ERR_INVALID_ARG_VALUE',
        message: '"url" must be an absolute URL',
      })
      await expect(auth.logout({ postLogoutRedirectUri: url })).rejects.toMatchObject({
        name: 'TypeError',
        code: 'ERR_INVALID_ARG_VALUE',
        message: '"postLogoutRedirectUri" must be an absolute URL',
      })
    }
    await expect(auth.handleRedirect(42 as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    })
    expect(server.seen).toEqual([])
  })
})

describe('logout', () => {
  it('revokes the refresh token, clears the store and ends the session at the server', async () => {
    const { auth, signIn, server, store, navigations } = await setup()
    await signIn()
    const events: SessionEvent[] = []
    auth.subscribe((event) => events.push(event))
    await auth.logout({ postLogoutRedirectUri: `${location.origin}/` })
    expect(server.seen.filter((entry) => entry.path === '/revoke')).toEqual([
      { path: '/revoke', token: 'rt-1' },
    ])
    const end = new URL(navigations.at(-1) ?? '')
    expect(end.origin + end.pathname).toBe(`${server.issuer}/logout`)
    expect(end.searchParams.get('post_logout_redirect_uri')).toBe(`${location.origin}/`)
    expect(end.searchParams.get('id_token_hint')).toMatch(/^ey/)
    expect(await store.get(`${server.issuer} spa session`)).toBeUndefined()
    expect(await auth.getUser()).toBeUndefined()
    expect(events).toEqual([{ type: 'logout', fromOtherTab: false }])
  })

  it('clears everything even when the server is down', async () => {
    const { auth, signIn, server, store } = await setup()
    await signIn()
    server.state.down = true
    await expect(auth.logout()).resolves.toBeUndefined()
    expect(await store.get(`${server.issuer} spa session`)).toBeUndefined()
    expect(await codeOf(auth.getAccessToken())).toBe('ERR_LOGIN_REQUIRED')
  })
})

describe('fetch', () => {
  it('attaches the access token on allowed origins', async () => {
    const { auth, signIn } = await setup({ allowedOrigins: ['https://api.example'] })
    await signIn()
    const response = await auth.fetch('https://api.example/orders')
    expect(await response.json()).toEqual({ ok: true, authorization: 'Bearer at-1' })
  })

  it('refuses other origins before any I/O', async () => {
    const { auth, signIn, server } = await setup({ allowedOrigins: ['https://api.example'] })
    await signIn()
    const before = server.seen.length
    await expect(auth.fetch('https://evil.example/steal')).rejects.toMatchObject({
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_VALUE',
    })
    expect(server.seen.length).toBe(before)
  })

  it.each([
    ['a protocol-relative URL', '//evil.example/steal'],
    ['userinfo naming the allowed host', 'https://api.example@evil.example/steal'],
    ['a Request object', new Request('https://evil.example/steal')],
    ['a URL object', new URL('https://evil.example/steal')],
    ['another scheme of the allowed host', 'http://api.example/orders'],
  ])('refuses %s on another origin', async (_, input) => {
    const { auth, signIn, server } = await setup({ allowedOrigins: ['https://api.example'] })
    await signIn()
    const before = server.seen.length
    // Userinfo is refused by the Request constructor itself (credentials in a request URL).
    await expect(auth.fetch(input)).rejects.toBeInstanceOf(Error)
    expect(server.seen.length).toBe(before)
  })

  it('allows the page origin by default', async () => {
    const { auth, signIn } = await setup()
    await signIn()
    const response = await auth.fetch('/api/orders')
    expect((await response.json()).authorization).toBe('Bearer at-1')
  })
})

describe('subscribe', () => {
  it('returns an unsubscribe function and survives a throwing listener', async () => {
    const { auth, signIn } = await setup()
    const seen: string[] = []
    auth.subscribe(() => {
      throw new Error('listener bug')
    })
    const off = auth.subscribe((event) => seen.push(event.type))
    await signIn()
    off()
    await auth.logout()
    expect(seen).toEqual(['login'])
  })

  it('refuses a non-function', () => {
    const auth = createBrowserClient({
      issuer: 'https://as.example',
      clientId: 'spa',
      redirectUri: REDIRECT_URI,
      scope: 'openid',
      store: createMemoryStore(),
    })
    expect(() => auth.subscribe('x' as never)).toThrow(TypeError)
  })
})
