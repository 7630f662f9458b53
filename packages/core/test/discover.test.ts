import { clearDiscoveryCache, discover, OAuthKitError } from '@oauthkit/core'
import { afterEach, describe, expect, it, vi } from 'vitest'

const issuer = 'https://as.example.com'

function server(respond?: (url: URL) => Response | Promise<Response>) {
  const calls: string[] = []
  const fetch = vi.fn(async (input: RequestInfo | URL) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    calls.push(url.pathname)
    if (respond) return respond(url)
    return Response.json({ issuer, token_endpoint: `${issuer}/token` })
  }) as unknown as typeof globalThis.fetch
  return { fetch, calls }
}

afterEach(() => {
  vi.useRealTimers()
  clearDiscoveryCache()
})

describe('discover()', () => {
  it('reads OpenID Connect discovery and validates the issuer', async () => {
    const { fetch, calls } = server()
    await expect(discover(issuer, { fetch })).resolves.toMatchObject({ issuer })
    expect(calls).toEqual(['/.well-known/openid-configuration'])
  })

  it('makes one request under any concurrency', async () => {
    const { fetch, calls } = server()
    const results = await Promise.all(
      Array.from({ length: 100 }, () => discover(issuer, { fetch })),
    )
    expect(new Set(results).size).toBe(1)
    expect(calls).toHaveLength(1)
  })

  it('caches for ttl seconds, then fetches again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { fetch, calls } = server()
    await discover(issuer, { fetch, ttl: 60 })
    vi.advanceTimersByTime(59_000)
    await discover(issuer, { fetch, ttl: 60 })
    expect(calls).toHaveLength(1)
    vi.advanceTimersByTime(2_000)
    await discover(issuer, { fetch, ttl: 60 })
    expect(calls).toHaveLength(2)
  })

  it('forgets a failure at once: the next call retries', async () => {
    let fail = true
    const { fetch, calls } = server(() =>
      fail
        ? new Response('down', { status: 503 })
        : Response.json({ issuer, token_endpoint: `${issuer}/token` }),
    )
    const err = await discover(issuer, { fetch }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OAuthKitError)
    expect(err).toMatchObject({ code: 'ERR_DISCOVERY_FAILED' })
    fail = false
    await expect(discover(issuer, { fetch })).resolves.toMatchObject({ issuer })
    expect(calls).toHaveLength(2)
  })

  it('falls back to RFC 8414 when OpenID discovery answers 404', async () => {
    const { fetch, calls } = server((url) =>
      url.pathname === '/.well-known/oauth-authorization-server'
        ? Response.json({ issuer, token_endpoint: `${issuer}/token` })
        : new Response('not found', { status: 404 }),
    )
    await expect(discover(issuer, { fetch })).resolves.toMatchObject({ issuer })
    expect(calls).toEqual([
      '/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server',
    ])
  })

  it('refuses metadata naming another issuer (RFC 8414 §3.3)', async () => {
    const { fetch } = server(() => Response.json({ issuer: 'https://evil.example.com' }))
    const err = (await discover(issuer, { fetch }).catch((e: unknown) => e)) as OAuthKitError
    expect(err.code).toBe('ERR_DISCOVERY_FAILED')
    expect((err.cause as { code?: string }).code).toBe('ERR_ISSUER_MISMATCH')
  })

  it('times out with ERR_TIMEOUT and refuses http without allowInsecureRequests', async () => {
    const hanging = ((_: unknown, init?: RequestInit) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason))
      })) as typeof fetch
    await expect(discover(issuer, { fetch: hanging, timeout: 50 })).rejects.toMatchObject({
      code: 'ERR_TIMEOUT',
    })
    const { fetch, calls } = server()
    await expect(discover('http://as.example.com', { fetch })).rejects.toMatchObject({
      code: 'ERR_DISCOVERY_FAILED',
    })
    expect(calls).toHaveLength(0)
  })

  it("one caller's abort rejects only that caller, at once: the shared request goes on", async () => {
    let release = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const calls: string[] = []
    // Honours its signal as a real fetch does.
    const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      calls.push(String(input))
      await new Promise<void>((resolve, reject) => {
        const signal = init?.signal
        if (signal?.aborted) reject(signal.reason)
        signal?.addEventListener('abort', () => reject(signal.reason))
        gate.then(resolve)
      })
      return Response.json({ issuer, token_endpoint: `${issuer}/token` })
    }) as typeof globalThis.fetch
    const controller = new AbortController()
    const a = discover(issuer, { fetch, signal: controller.signal })
    const b = discover(issuer, { fetch })
    const c = discover(issuer, { fetch, signal: new AbortController().signal })
    controller.abort()
    // A rejects before the server has answered; B and C still get the one shared answer.
    await expect(a).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    release()
    await expect(b).resolves.toMatchObject({ issuer })
    await expect(c).resolves.toMatchObject({ issuer })
    expect(calls).toHaveLength(1)
    // The result is cached for the next caller, signal or not.
    await expect(discover(issuer, { fetch, signal: new AbortController().signal })).resolves.toBe(
      await b,
    )
    expect(calls).toHaveLength(1)
  })

  it('rejects with ERR_ABORTED, without a request, when the signal has already fired', async () => {
    // Nothing is started for a caller that has already given up, nor a cached result handed out.
    const { fetch, calls } = server()
    await expect(discover(issuer, { fetch, signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'ERR_ABORTED',
    })
    expect(calls).toHaveLength(0)
    await discover(issuer, { fetch })
    await expect(discover(issuer, { fetch, signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'ERR_ABORTED',
    })
    expect(calls).toHaveLength(1)
  })

  it('clearDiscoveryCache() forgets results cached per injected fetch too', async () => {
    const { fetch, calls } = server()
    await discover(issuer, { fetch })
    await discover(issuer, { fetch })
    expect(calls).toHaveLength(1)
    clearDiscoveryCache()
    await discover(issuer, { fetch })
    expect(calls).toHaveLength(2)
  })

  it('keeps the results of the global fetch apart from those of a replaced one', async () => {
    const first = server()
    const second = server()
    vi.stubGlobal('fetch', first.fetch)
    try {
      await discover(issuer)
      await discover(issuer)
      vi.stubGlobal('fetch', second.fetch)
      await discover(issuer)
    } finally {
      vi.unstubAllGlobals()
    }
    expect(first.calls).toHaveLength(1)
    expect(second.calls).toHaveLength(1)
  })

  it('throws an argument error for a bad issuer before any I/O', () => {
    const { fetch, calls } = server()
    expect(() => discover('not a url', { fetch })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    )
    expect(calls).toHaveLength(0)
  })
})
