/**
 * The device authorization grant (RFC 8628 §3.2-3.5) through `deviceLogin`: the server's pace is
 * honoured, `slow_down` is permanent, final answers stop at once, an endless
 * `authorization_pending` stops at the code's expiry, and an abort stops everything.
 * Fake timers drive the waits; the hostile server records the (fake) time of every poll.
 */
import { setTimeout as realDelay } from 'node:timers/promises'
import { deviceLogin } from '@oauthkit/cli'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { CLIENT_ID, useHostileServer } from './fixture.js'
import { expectRefusal } from './helpers.js'
import { type HostileServer, json, random } from './hostile-server.js'

const server = useHostileServer()

interface Script {
  interval?: number | undefined
  expiresIn?: number
  /** The answers to successive polls; the last one repeats. */
  answers: Array<{ status: number; body: Record<string, unknown> } | 'tokens'>
  deviceResponse?: Record<string, unknown>
}

/** Installs a device endpoint and a token endpoint that answer by `script`; returns poll times. */
function scripted(s: HostileServer, script: Script): { polls: number[]; issuedAt: () => number } {
  const polls: number[] = []
  let issuedAt = 0
  s.on('/device', (_q, res) => {
    issuedAt = Date.now()
    const deviceCode = random('dc')
    s.secrets.add(deviceCode)
    json(res, 200, {
      device_code: deviceCode,
      user_code: 'WDJB-MJHT',
      verification_uri: `${s.origin}/activate`,
      expires_in: script.expiresIn ?? 600,
      ...(script.interval === undefined ? {} : { interval: script.interval }),
      ...script.deviceResponse,
    })
  })
  s.on('/token', async (_q, res, { body, server }) => {
    if (body.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:device_code') {
      json(res, 400, { error: 'unsupported_grant_type' })
      return
    }
    polls.push(Date.now())
    const answer = script.answers[Math.min(polls.length - 1, script.answers.length - 1)]
    if (answer === 'tokens') json(res, 200, await server.tokens(CLIENT_ID, { idToken: false }))
    else if (answer) json(res, answer.status, answer.body)
  })
  return { polls, issuedAt: () => issuedAt }
}

const pending = { status: 400, body: { error: 'authorization_pending' } }
const slowDown = { status: 400, body: { error: 'slow_down' } }

/** Advances fake time in small steps, letting real I/O complete between them, until settled. */
async function drive<T>(promise: Promise<T>, maxMs: number, step = 100): Promise<T> {
  let settled = false
  promise.then(
    () => {
      settled = true
    },
    () => {
      settled = true
    },
  )
  for (let elapsed = 0; elapsed < maxMs && !settled; elapsed += step) {
    await vi.advanceTimersByTimeAsync(step)
    await realDelay(2)
  }
  return promise
}

const login = (extra: { signal?: AbortSignal } = {}) =>
  deviceLogin({
    issuer: server().issuer,
    clientId: CLIENT_ID,
    scope: 'offline_access',
    allowInsecureRequests: true,
    onPrompt: () => {},
    ...extra,
  })

const gaps = (times: number[], start: number) => times.map((t, i) => t - (times[i - 1] ?? start))

describe('device flow', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('honours the server interval: no poll comes sooner than interval seconds after the last', async () => {
    const { polls, issuedAt } = scripted(server(), {
      interval: 3,
      answers: [pending, pending, pending, 'tokens'],
    })
    const tokenSet = await drive(login(), 60_000)
    expect(tokenSet.accessToken).toMatch(/^at-/)
    expect(polls).toHaveLength(4)
    for (const gap of gaps(polls, issuedAt())) expect(gap).toBeGreaterThanOrEqual(3_000)
  })

  it('polls every 5 seconds when the server sends no interval', async () => {
    const { polls, issuedAt } = scripted(server(), { answers: [pending, pending, 'tokens'] })
    await drive(login(), 60_000)
    for (const gap of gaps(polls, issuedAt())) expect(gap).toBeGreaterThanOrEqual(5_000)
  })

  it('slow_down adds 5 seconds to the interval for good', async () => {
    const { polls, issuedAt } = scripted(server(), {
      interval: 1,
      answers: [pending, slowDown, pending, pending, slowDown, pending, 'tokens'],
    })
    await drive(login(), 120_000)
    const g = gaps(polls, issuedAt())
    expect(g).toHaveLength(7)
    expect(g[0]).toBeGreaterThanOrEqual(1_000)
    expect(g[1]).toBeGreaterThanOrEqual(1_000)
    // After the first slow_down: 6 s, and it stays 6 s while the server says pending.
    for (const gap of g.slice(2, 5)) expect(gap).toBeGreaterThanOrEqual(6_000)
    // After the second: 11 s.
    for (const gap of g.slice(5)) expect(gap).toBeGreaterThanOrEqual(11_000)
  })

  it('access_denied stops polling at once with ERR_ACCESS_DENIED', async () => {
    const { polls } = scripted(server(), {
      interval: 1,
      answers: [pending, { status: 400, body: { error: 'access_denied' } }, pending],
    })
    const err = await drive(
      expectRefusal(login(), 'ERR_ACCESS_DENIED', server().secrets, 600_000),
      60_000,
    )
    expect(err).toMatchObject({ error: 'access_denied' })
    await vi.advanceTimersByTimeAsync(30_000)
    expect(polls).toHaveLength(2)
  })

  it('expired_token stops polling at once with ERR_DEVICE_CODE_EXPIRED', async () => {
    const { polls } = scripted(server(), {
      interval: 1,
      answers: [{ status: 400, body: { error: 'expired_token' } }, pending],
    })
    await drive(
      expectRefusal(login(), 'ERR_DEVICE_CODE_EXPIRED', server().secrets, 600_000),
      60_000,
    )
    await vi.advanceTimersByTimeAsync(30_000)
    expect(polls).toHaveLength(1)
  })

  it('an endless authorization_pending stops at the device code expiry', async () => {
    const { polls, issuedAt } = scripted(server(), {
      interval: 2,
      expiresIn: 20,
      answers: [pending],
    })
    await drive(
      expectRefusal(login(), 'ERR_DEVICE_CODE_EXPIRED', server().secrets, 600_000),
      120_000,
    )
    expect(polls.length).toBeGreaterThan(0)
    expect(polls.length).toBeLessThanOrEqual(10)
    for (const at of polls) expect(at - issuedAt()).toBeLessThanOrEqual(20_000)
    const ended = Date.now()
    expect(ended - issuedAt()).toBeLessThan(22_000)
  })

  it('an endless slow_down stops at the device code expiry too', async () => {
    const { polls } = scripted(server(), { interval: 1, expiresIn: 30, answers: [slowDown] })
    await drive(
      expectRefusal(login(), 'ERR_DEVICE_CODE_EXPIRED', server().secrets, 600_000),
      120_000,
    )
    expect(polls.length).toBeLessThanOrEqual(4)
  })

  it('an abort while waiting stops within 100 ms and no poll follows', async () => {
    const { polls } = scripted(server(), { interval: 5, answers: [pending] })
    const controller = new AbortController()
    let prompted!: () => void
    const shown = new Promise<void>((resolve) => {
      prompted = resolve
    })
    const promise = deviceLogin({
      issuer: server().issuer,
      clientId: CLIENT_ID,
      scope: 'offline_access',
      allowInsecureRequests: true,
      onPrompt: () => prompted(),
      signal: controller.signal,
    })
    const outcome = expectRefusal(promise, 'ERR_ABORTED', server().secrets)
    await shown
    await vi.advanceTimersByTimeAsync(6_000)
    await realDelay(20)
    const started = performance.now()
    controller.abort()
    await outcome
    expect(performance.now() - started).toBeLessThan(100)
    const before = polls.length
    await vi.advanceTimersByTimeAsync(60_000)
    await realDelay(20)
    expect(polls).toHaveLength(before)
  })

  it('an abort during a hanging poll request stops within 100 ms', async () => {
    server().on('/device', (_q, res) =>
      json(res, 200, {
        device_code: random('dc'),
        user_code: 'WDJB-MJHT',
        verification_uri: `${server().origin}/activate`,
        expires_in: 600,
        interval: 1,
      }),
    )
    server().on('/token', () => {})
    const controller = new AbortController()
    const outcome = expectRefusal(login({ signal: controller.signal }), 'ERR_ABORTED')
    for (let i = 0; i < 20 && server().count('/token') === 0; i++) {
      await vi.advanceTimersByTimeAsync(200)
      await realDelay(5)
    }
    expect(server().count('/token')).toBe(1)
    const started = performance.now()
    controller.abort()
    await outcome
    expect(performance.now() - started).toBeLessThan(100)
  })

  it('refuses a device authorization response without device_code', async () => {
    server().on('/device', (_q, res) =>
      json(res, 200, {
        user_code: 'WDJB-MJHT',
        verification_uri: `${server().origin}/activate`,
        expires_in: 600,
      }),
    )
    await expectRefusal(login(), 'OAUTH_INVALID_RESPONSE')
    expect(server().count('/token')).toBe(0)
  })

  it('refuses a device authorization response whose verification_uri is javascript:', async () => {
    const prompts: unknown[] = []
    scripted(server(), {
      interval: 1,
      answers: ['tokens'],
      deviceResponse: {
        verification_uri: 'javascript:alert(1)',
        verification_uri_complete: 'javascript:alert(1)',
      },
    })
    const promise = deviceLogin({
      issuer: server().issuer,
      clientId: CLIENT_ID,
      scope: 'offline_access',
      allowInsecureRequests: true,
      onPrompt: (prompt) => {
        prompts.push(prompt)
      },
    })
    await drive(expectRefusal(promise, 'ERR_INVALID_RESPONSE'), 10_000)
    expect(prompts).toHaveLength(0)
    expect(server().count('/token')).toBe(0)
  })

  it('refuses a device token response whose ID Token is signed by an attacker key', async () => {
    scripted(server(), { interval: 1, answers: [] })
    server().on('/token', async (_q, res, { server }) => {
      const tokens = await server.tokens(CLIENT_ID, { idToken: false })
      const idToken = await server.mintIdToken(CLIENT_ID, {}, { key: server.attackerRsa })
      json(res, 200, { ...tokens, id_token: idToken })
    })
    const promise = deviceLogin({
      issuer: server().issuer,
      clientId: CLIENT_ID,
      scope: 'openid offline_access',
      allowInsecureRequests: true,
      onPrompt: () => {},
    })
    await drive(expectRefusal(promise, 'OAUTH_INVALID_RESPONSE', server().secrets), 10_000)
  })
})
