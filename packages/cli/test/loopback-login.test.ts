import { describe, expect, it } from 'vitest'
import { isListening } from '../../../test/fixtures/is-listening.js'
import { type LoopbackLoginOptions, loopbackLogin } from '../src/index.js'
import { deferred, fakeServer, ISSUER, tokens } from './fake-server.js'

/** Starts a loopback login whose "browser" hands the test the authorization URL. */
function start(options: Partial<LoopbackLoginOptions> = {}) {
  const server = fakeServer({ '/token': tokens('at-1', { refresh_token: 'rt-1' }) })
  const opened = deferred<URL>()
  const promise = loopbackLogin({
    issuer: ISSUER,
    clientId: 'cli',
    scope: 'offline_access',
    fetch: server.fetch,
    openBrowser: (url) => opened.resolve(new URL(url)),
    ...options,
  })
  // Observed at once, so an early rejection is never unhandled.
  promise.catch(() => {})
  const browser = opened.promise.then((url) => {
    const redirectUri = new URL(url.searchParams.get('redirect_uri')!)
    return {
      state: url.searchParams.get('state')!,
      port: Number(redirectUri.port),
      /** Requests the redirect URI with `params`, as a browser coming back would. */
      visit: async (params: Record<string, string>) => {
        const callback = new URL(redirectUri)
        for (const [name, value] of Object.entries(params)) callback.searchParams.set(name, value)
        const response = await fetch(callback)
        return { status: response.status, page: await response.text() }
      },
    }
  })
  return { promise, browser, server }
}

describe('loopbackLogin', () => {
  it('answers callbacks with another state, or none, with a 400 page and keeps waiting for the real one', async () => {
    const { promise, browser, server } = start()
    const { state, visit, port } = await browser
    const probes: Record<string, string>[] = [
      { code: 'attacker-code', state: 'forged' },
      { code: 'attacker-code' },
      { error: 'access_denied', state: 'forged' },
      { state: `${state}x`, code: 'attacker-code' },
    ]
    for (const params of probes) {
      const answer = await visit(params)
      expect(answer.status).toBe(400)
      expect(answer.page).toContain('Sign-in failed')
      expect(answer.page).toContain('does not belong to the sign-in')
    }
    // Still waiting: nothing was exchanged, the server still listens.
    expect(server.calls).toHaveLength(0)
    expect(await isListening(port)).toBe(true)
    const real = await visit({ code: 'the-code', state })
    expect(real.status).toBe(200)
    expect(real.page).toContain('Signed in')
    await expect(promise).resolves.toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-1' })
    expect(server.calls.map((call) => call.body.get('code'))).toEqual(['the-code'])
    expect(await isListening(port)).toBe(false)
  })

  it('ends with ERR_ACCESS_DENIED on an error response that carries our state', async () => {
    const { promise, browser } = start()
    const { state, visit, port } = await browser
    expect((await visit({ error: 'access_denied', state })).status).toBe(400)
    await expect(promise).rejects.toMatchObject({
      code: 'ERR_ACCESS_DENIED',
      error: 'access_denied',
    })
    expect(await isListening(port)).toBe(false)
  })

  it('times out with ERR_TIMEOUT and closes the server', async () => {
    const { promise, browser } = start({ timeout: 50 })
    const { port } = await browser
    await expect(promise).rejects.toMatchObject({ code: 'ERR_TIMEOUT' })
    expect(await isListening(port)).toBe(false)
  })

  it('stops at once on abort with ERR_ABORTED and closes the server', async () => {
    const controller = new AbortController()
    const { promise, browser } = start({ signal: controller.signal })
    const { port } = await browser
    expect(await isListening(port)).toBe(true)
    controller.abort()
    await expect(promise).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    expect(await isListening(port)).toBe(false)
  })

  it('rejects bad options with a TypeError naming the option, before any request', async () => {
    const { fetch } = fakeServer({})
    const base = { issuer: ISSUER, clientId: 'cli', scope: 'openid', fetch }
    const cases: [Record<string, unknown>, string, string][] = [
      [{ issuer: 'http://as.example.com' }, 'options.issuer', 'ERR_INVALID_ARG_VALUE'],
      [{ issuer: 'https://as.example.com/?tenant=a' }, 'options.issuer', 'ERR_INVALID_ARG_VALUE'],
      [{ resource: 'not a uri' }, 'options.resource', 'ERR_INVALID_ARG_VALUE'],
      [{ resource: ['https://api.example.com/#x'] }, 'options.resource', 'ERR_INVALID_ARG_VALUE'],
      [{ resource: 42 }, 'options.resource', 'ERR_INVALID_ARG_TYPE'],
      [{ openBrowser: 'firefox' }, 'options.openBrowser', 'ERR_INVALID_ARG_TYPE'],
      [{ prompt: 1 }, 'options.prompt', 'ERR_INVALID_ARG_TYPE'],
      [{ signal: 'stop' }, 'options.signal', 'ERR_INVALID_ARG_TYPE'],
    ]
    for (const [override, name, code] of cases) {
      const options = { ...base, ...override } as unknown as LoopbackLoginOptions
      await expect(loopbackLogin(options)).rejects.toMatchObject({
        name: 'TypeError',
        code,
        message: expect.stringContaining(`"${name}"`),
      })
    }
    expect(fetch).not.toHaveBeenCalled()
  })
})
