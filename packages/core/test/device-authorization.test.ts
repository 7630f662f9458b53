import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  createClientContext,
  type DeviceAuthorization,
  pollDeviceAuthorization,
  type ServerMetadata,
  startDeviceAuthorization,
} from '../src/index.js'

const metadata: ServerMetadata = {
  issuer: 'https://as.example.com',
  token_endpoint: 'https://as.example.com/token',
  device_authorization_endpoint: 'https://as.example.com/device/auth',
}

const DEVICE_CODE = 'device-code-secret-123'

type Answer = Response | (() => Response) | Error

/**
 * A fetch that answers from a script and records when each request was made, and a client
 * context (`tv`) that uses it.
 */
function scripted(answers: Answer[]) {
  const calls: { url: string; body: URLSearchParams; at: number }[] = []
  const fetch = vi.fn(async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({
      url: String(input),
      body: new URLSearchParams(String(init?.body)),
      at: Date.now(),
    })
    const answer = answers.shift()
    if (!answer) throw new Error('no more scripted answers')
    if (answer instanceof Error) throw answer
    return typeof answer === 'function' ? answer() : answer
  })
  const scriptFetch = fetch as unknown as typeof globalThis.fetch
  const context = createClientContext({ metadata, clientId: 'tv', http: { fetch: scriptFetch } })
  return { fetch: scriptFetch, calls, context }
}

const json =
  (body: unknown, status = 200) =>
  () =>
    Response.json(body, { status })
const pending = json({ error: 'authorization_pending' }, 400)
const slowDown = json({ error: 'slow_down' }, 400)
const tokens = json({ access_token: 'at-1', token_type: 'bearer', expires_in: 60 })

function authorization(overrides: Partial<DeviceAuthorization> = {}): DeviceAuthorization {
  return {
    deviceCode: DEVICE_CODE,
    userCode: 'ABCD-EFGH',
    verificationUri: 'https://as.example.com/device',
    expiresIn: 600,
    expiresAt: Date.now() + 600_000,
    interval: 5,
    ...overrides,
  }
}

describe('startDeviceAuthorization', () => {
  it('requests codes with the scope and maps the response to camelCase', async () => {
    const { calls, context } = scripted([
      json({
        device_code: DEVICE_CODE,
        user_code: 'WDJB-MJHT',
        verification_uri: 'https://as.example.com/device',
        verification_uri_complete: 'https://as.example.com/device?user_code=WDJB-MJHT',
        expires_in: 1800,
        interval: 2,
      }),
    ])
    const before = Date.now()
    const result = await startDeviceAuthorization(context, { scope: 'openid offline_access' })
    expect(calls[0]?.url).toBe('https://as.example.com/device/auth')
    expect(calls[0]?.body.get('scope')).toBe('openid offline_access')
    expect(calls[0]?.body.get('client_id')).toBe('tv')
    expect(result).toMatchObject({
      deviceCode: DEVICE_CODE,
      userCode: 'WDJB-MJHT',
      verificationUri: 'https://as.example.com/device',
      verificationUriComplete: 'https://as.example.com/device?user_code=WDJB-MJHT',
      expiresIn: 1800,
      interval: 2,
    })
    expect(result.expiresAt).toBeGreaterThanOrEqual(before + 1_800_000)
  })

  it('uses an interval of 5 seconds when the server sends none (RFC 8628 §3.2)', async () => {
    const { context } = scripted([
      json({ device_code: 'd', user_code: 'u', verification_uri: 'https://x/y', expires_in: 60 }),
    ])
    const result = await startDeviceAuthorization(context)
    expect(result.interval).toBe(5)
    expect(result.verificationUriComplete).toBeUndefined()
  })

  it('fails with ERR_UNSUPPORTED when the server has no device authorization endpoint', async () => {
    const context = createClientContext({
      metadata: { issuer: metadata.issuer, token_endpoint: metadata.token_endpoint },
      clientId: 'tv',
    })
    await expect(startDeviceAuthorization(context)).rejects.toMatchObject({
      code: 'ERR_UNSUPPORTED',
    })
  })

  it('maps a refusal to an OAuthResponseError', async () => {
    const { context } = scripted([json({ error: 'invalid_scope' }, 400)])
    await expect(startDeviceAuthorization(context, { scope: 'nope' })).rejects.toMatchObject({
      name: 'OAuthResponseError',
      error: 'invalid_scope',
      status: 400,
    })
  })

  it('rejects a scope that is not a string before any request', async () => {
    const { fetch, context } = scripted([])
    const scope = 42 as unknown as string
    await expect(startDeviceAuthorization(context, { scope })).rejects.toMatchObject({
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_TYPE',
    })
    expect(fetch).not.toHaveBeenCalled()
  })
})

describe('pollDeviceAuthorization', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('keeps polling at the interval through many authorization_pending answers', async () => {
    const { calls, context } = scripted([...Array(20).fill(pending), tokens])
    const start = Date.now()
    const promise = pollDeviceAuthorization(context, authorization({ interval: 3 }))
    await vi.advanceTimersByTimeAsync(21 * 3000)
    const { tokenSet } = await promise
    expect(tokenSet).toMatchObject({ accessToken: 'at-1', tokenType: 'Bearer' })
    expect(calls.map((call) => call.at - start)).toEqual(
      Array.from({ length: 21 }, (_, i) => (i + 1) * 3000),
    )
    expect(calls[0]?.body.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:device_code')
    expect(calls[0]?.body.get('device_code')).toBe(DEVICE_CODE)
  })

  it('adds 5 seconds to the interval on slow_down, for every later request too', async () => {
    const { calls, context } = scripted([pending, slowDown, pending, slowDown, pending, tokens])
    const start = Date.now()
    const promise = pollDeviceAuthorization(context, authorization({ interval: 5 }))
    await vi.advanceTimersByTimeAsync(5000 + 5000 + 10_000 + 10_000 + 15_000 + 15_000)
    await promise
    const at = calls.map((call) => call.at - start)
    const gaps = at.map((t, i) => t - (at[i - 1] ?? 0))
    expect(gaps).toEqual([5000, 5000, 10_000, 10_000, 15_000, 15_000])
  })

  it('does not poll before the interval has passed', async () => {
    const { fetch, context } = scripted([tokens])
    const promise = pollDeviceAuthorization(context, authorization({ interval: 5 }))
    await vi.advanceTimersByTimeAsync(4999)
    expect(fetch).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1)
    await expect(promise).resolves.toMatchObject({ tokenSet: { accessToken: 'at-1' } })
  })

  it('stops with ERR_ACCESS_DENIED when the user denies', async () => {
    const { context } = scripted([pending, json({ error: 'access_denied' }, 400)])
    const promise = pollDeviceAuthorization(context, authorization({ interval: 1 }))
    const settled = expect(promise).rejects.toMatchObject({
      name: 'OAuthResponseError',
      code: 'ERR_ACCESS_DENIED',
      error: 'access_denied',
    })
    await vi.advanceTimersByTimeAsync(2000)
    await settled
  })

  it('stops with ERR_DEVICE_CODE_EXPIRED on expired_token', async () => {
    const { context } = scripted([json({ error: 'expired_token' }, 400)])
    const promise = pollDeviceAuthorization(context, authorization({ interval: 1 }))
    const settled = expect(promise).rejects.toMatchObject({
      code: 'ERR_DEVICE_CODE_EXPIRED',
      error: 'expired_token',
    })
    await vi.advanceTimersByTimeAsync(1000)
    await settled
  })

  it('stops with ERR_DEVICE_CODE_EXPIRED when the lifetime is over, without another request', async () => {
    const { calls, context } = scripted(Array(10).fill(pending))
    const promise = pollDeviceAuthorization(
      context,
      authorization({ interval: 5, expiresIn: 12, expiresAt: Date.now() + 12_000 }),
    )
    const settled = expect(promise).rejects.toMatchObject({
      name: 'OAuthKitError',
      code: 'ERR_DEVICE_CODE_EXPIRED',
    })
    await vi.advanceTimersByTimeAsync(12_000)
    await settled
    expect(calls).toHaveLength(2)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('waits out a 5xx during polling, backing off, then resumes', async () => {
    const unavailable = () => new Response('<h1>bad gateway</h1>', { status: 502 })
    const { calls, context } = scripted([
      pending,
      unavailable,
      json({ error: 'temporarily_unavailable' }, 503),
      pending,
      tokens,
    ])
    const start = Date.now()
    const promise = pollDeviceAuthorization(context, authorization({ interval: 2 }))
    await vi.advanceTimersByTimeAsync(2000 + 2000 + 4000 + 8000 + 2000)
    await expect(promise).resolves.toMatchObject({ tokenSet: { accessToken: 'at-1' } })
    expect(calls.map((call) => call.at - start)).toEqual([2000, 4000, 8000, 16_000, 18_000])
  })

  it('gives up after too many transient failures in a row', async () => {
    const { context } = scripted(Array(4).fill(() => new Response('oops', { status: 500 })))
    const promise = pollDeviceAuthorization(context, authorization({ interval: 1 }), {
      maxTransientFailures: 3,
    })
    const settled = expect(promise).rejects.toMatchObject({ code: 'ERR_SERVER', status: 500 })
    await vi.advanceTimersByTimeAsync(1000 + 2000 + 4000 + 8000)
    await settled
  })

  it('treats a network failure as transient', async () => {
    const { context } = scripted([new TypeError('fetch failed'), tokens])
    const promise = pollDeviceAuthorization(context, authorization({ interval: 1 }))
    await vi.advanceTimersByTimeAsync(3000)
    await expect(promise).resolves.toMatchObject({ tokenSet: { accessToken: 'at-1' } })
  })

  it('passes other OAuth errors through without retrying', async () => {
    const { context } = scripted([json({ error: 'invalid_client' }, 401)])
    const promise = pollDeviceAuthorization(context, authorization({ interval: 1 }))
    const settled = expect(promise).rejects.toMatchObject({
      code: 'ERR_OAUTH_RESPONSE',
      error: 'invalid_client',
    })
    await vi.advanceTimersByTimeAsync(1000)
    await settled
  })

  it('stops at once on abort while waiting, leaving no timer behind', async () => {
    const { fetch, context } = scripted([pending, pending])
    const controller = new AbortController()
    const promise = pollDeviceAuthorization(context, authorization({ interval: 5 }), {
      signal: controller.signal,
    })
    const settled = expect(promise).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    await vi.advanceTimersByTimeAsync(7000)
    controller.abort()
    await settled
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('stops on abort during a request', async () => {
    const fetch = vi.fn(
      (_input: unknown, init?: RequestInit) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason))
        }),
    ) as unknown as typeof globalThis.fetch
    const context = createClientContext({ metadata, clientId: 'tv', http: { fetch } })
    const controller = new AbortController()
    const promise = pollDeviceAuthorization(context, authorization({ interval: 1 }), {
      signal: controller.signal,
    })
    const settled = expect(promise).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    await vi.advanceTimersByTimeAsync(1000)
    expect(fetch).toHaveBeenCalledTimes(1)
    controller.abort()
    await settled
  })

  it('rejects at once when the signal is already aborted', async () => {
    const { context } = scripted([])
    await expect(
      pollDeviceAuthorization(context, authorization(), { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ code: 'ERR_ABORTED' })
  })

  it('never puts the device code in an error message', async () => {
    const { context } = scripted([
      json({ error: 'invalid_grant', error_description: `bad ${DEVICE_CODE}` }, 400),
    ])
    const promise = pollDeviceAuthorization(context, authorization({ interval: 1 }))
    const caught = promise.catch((err: unknown) => err)
    await vi.advanceTimersByTimeAsync(1000)
    const err = (await caught) as Error
    expect(err.message).not.toContain(DEVICE_CODE)
    expect(String(err.cause)).not.toContain(DEVICE_CODE)
  })

  it('rejects a malformed authorization before any request', async () => {
    const { context } = scripted([])
    await expect(
      pollDeviceAuthorization(context, { ...authorization(), deviceCode: '' }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' })
  })
})
