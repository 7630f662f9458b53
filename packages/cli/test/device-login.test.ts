import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type DeviceLoginOptions, type DevicePrompt, deviceLogin } from '../src/index.js'
import { deviceAuthorization, fakeServer, ISSUER, json, sequence, tokens } from './fake-server.js'

const pending = json({ error: 'authorization_pending' }, 400)
const slowDown = json({ error: 'slow_down' }, 400)

/** deviceLogin for `tv` with the `openid` scope through `fetch`, a silent prompt unless overridden. */
const login = (fetch: typeof globalThis.fetch, options: Partial<DeviceLoginOptions> = {}) =>
  deviceLogin({
    issuer: ISSUER,
    clientId: 'tv',
    scope: 'openid',
    fetch,
    onPrompt: () => {},
    ...options,
  })

describe('deviceLogin', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000, toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('hands onPrompt the code, URIs and expiry, then polls until approved', async () => {
    const { fetch, calls } = fakeServer({
      '/device/auth': deviceAuthorization({ interval: 2 }),
      '/token': sequence(pending, pending, tokens('at-1', { refresh_token: 'rt-1' })),
    })
    const prompts: DevicePrompt[] = []
    const promise = login(fetch, {
      scope: 'openid offline_access',
      onPrompt: (prompt) => void prompts.push(prompt),
    })
    await vi.advanceTimersByTimeAsync(6000)
    await expect(promise).resolves.toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-1' })
    expect(prompts).toEqual([
      {
        userCode: 'WDJB-MJHT',
        verificationUri: `${ISSUER}/device`,
        verificationUriComplete: `${ISSUER}/device?user_code=WDJB-MJHT`,
        expiresIn: 600,
        expiresAt: Date.now() - 6000 + 600_000,
      },
    ])
    expect(calls.filter((call) => call.path === '/token')).toHaveLength(3)
    expect(calls[0]?.body.get('scope')).toBe('openid offline_access')
  })

  it('polls every 5 s when the server sends no interval, and 5 s slower after each slow_down', async () => {
    const { fetch, calls } = fakeServer({
      '/device/auth': deviceAuthorization(),
      '/token': sequence(pending, slowDown, pending, slowDown, tokens()),
    })
    const start = Date.now()
    const promise = login(fetch)
    await vi.advanceTimersByTimeAsync(5000 + 5000 + 10_000 + 10_000 + 15_000)
    await promise
    const at = calls
      .filter((call) => call.path === '/token')
      .map((call) => (call.at - start) / 1000)
    expect(at).toEqual([5, 10, 20, 30, 45])
  })

  it('keeps polling through many authorization_pending answers and a 5xx', async () => {
    const answers = [
      ...Array<() => Response>(30).fill(pending),
      () => new Response('down', { status: 503 }),
      pending,
      tokens(),
    ]
    const { fetch, calls } = fakeServer({
      '/device/auth': deviceAuthorization({ interval: 1 }),
      '/token': sequence(...answers),
    })
    const promise = login(fetch)
    await vi.advanceTimersByTimeAsync(40_000)
    await expect(promise).resolves.toMatchObject({ accessToken: 'at-1' })
    expect(calls.filter((call) => call.path === '/token')).toHaveLength(33)
  })

  it('stops with ERR_DEVICE_CODE_EXPIRED when the lifetime is over', async () => {
    const { fetch } = fakeServer({
      '/device/auth': deviceAuthorization({ interval: 5, expires_in: 30 }),
      '/token': sequence(pending),
    })
    const promise = login(fetch)
    const settled = expect(promise).rejects.toMatchObject({ code: 'ERR_DEVICE_CODE_EXPIRED' })
    await vi.advanceTimersByTimeAsync(30_000)
    await settled
  })

  it('stops at once on abort and leaves no timer behind', async () => {
    const { fetch } = fakeServer({
      '/device/auth': deviceAuthorization(),
      '/token': sequence(pending),
    })
    const controller = new AbortController()
    const promise = login(fetch, { signal: controller.signal })
    const settled = expect(promise).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    await vi.advanceTimersByTimeAsync(12_000)
    controller.abort()
    await settled
    expect(vi.getTimerCount()).toBe(0)
  })

  it('stops with the error onPrompt throws, before polling', async () => {
    const { fetch, calls } = fakeServer({
      '/device/auth': deviceAuthorization(),
      '/token': tokens(),
    })
    const failure = new Error('display broke')
    await expect(
      login(fetch, {
        onPrompt: () => {
          throw failure
        },
      }),
    ).rejects.toBe(failure)
    expect(calls.map((call) => call.path)).toEqual(['/device/auth'])
  })

  it('rejects bad options with a TypeError naming the option, before any request', async () => {
    const { fetch } = fakeServer({})
    const base = { issuer: ISSUER, clientId: 'tv', scope: 'openid', fetch, onPrompt: () => {} }
    const cases: [Record<string, unknown>, string, string][] = [
      [{ issuer: '' }, 'options.issuer', 'ERR_INVALID_ARG_VALUE'],
      [{ issuer: 42 }, 'options.issuer', 'ERR_INVALID_ARG_TYPE'],
      [{ issuer: 'as.example.com' }, 'options.issuer', 'ERR_INVALID_ARG_VALUE'],
      [{ issuer: 'ftp://as.example.com' }, 'options.issuer', 'ERR_INVALID_ARG_VALUE'],
      [{ clientId: undefined }, 'options.clientId', 'ERR_INVALID_ARG_TYPE'],
      [{ scope: ' ' }, 'options.scope', 'ERR_INVALID_ARG_TYPE'],
      [{ onPrompt: 'yes' }, 'options.onPrompt', 'ERR_INVALID_ARG_TYPE'],
      [{ onWait: 5 }, 'options.onWait', 'ERR_INVALID_ARG_TYPE'],
      [{ resource: 'api' }, 'options.resource', 'ERR_INVALID_ARG_VALUE'],
      [{ resource: [] }, 'options.resource', 'ERR_INVALID_ARG_TYPE'],
      [{ resource: ['https://api.example.com', 7] }, 'options.resource', 'ERR_INVALID_ARG_TYPE'],
      [{ allowInsecureRequests: 'yes' }, 'options.allowInsecureRequests', 'ERR_INVALID_ARG_TYPE'],
    ]
    for (const [override, name, code] of cases) {
      const options = { ...base, ...override } as unknown as Parameters<typeof deviceLogin>[0]
      await expect(deviceLogin(options)).rejects.toMatchObject({
        name: 'TypeError',
        code,
        message: expect.stringContaining(`"${name}"`),
      })
    }
    expect(fetch).not.toHaveBeenCalled()
  })

  it('refuses an http: issuer unless allowInsecureRequests is set, naming the option, before any request', async () => {
    const { fetch } = fakeServer({})
    const options = {
      issuer: 'http://127.0.0.1:9',
      clientId: 'tv',
      scope: 'openid',
      fetch,
      onPrompt: () => {},
    }
    const err = await deviceLogin(options).catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' })
    expect((err as Error).message).toContain('"options.issuer"')
    expect((err as Error).message).toContain('allowInsecureRequests')
    expect(fetch).not.toHaveBeenCalled()
    // With the option, discovery goes out (and fails here: the fake server is another issuer).
    await expect(deviceLogin({ ...options, allowInsecureRequests: true })).rejects.toMatchObject({
      code: expect.stringMatching(/^ERR_/),
    })
    expect(fetch).toHaveBeenCalled()
  })
})
