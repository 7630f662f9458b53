import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createFileStore,
  type DevicePrompt,
  deviceLogin,
  type FileStore,
  loopbackLogin,
  type TokenSet,
} from '@oauthkit/cli'
import { refreshAt } from '@oauthkit/core'
import { type DevServer, startDevServer } from '@oauthkit/devserver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isListening } from '../fixtures/is-listening.js'
import { until } from './helpers/until.js'

let server: DevServer
let dir: string

beforeAll(async () => {
  server = await startDevServer({ deviceInterval: 0.05 })
  dir = await mkdtemp(join(tmpdir(), 'oauthkit-cli-e2e-'))
})
afterAll(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

const claimsOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>

const device = () => ({
  issuer: server.issuer,
  clientId: 'device',
  scope: 'openid profile offline_access',
  allowInsecureRequests: true,
})

const portOf = (authorizationUrl: string) =>
  Number(new URL(new URL(authorizationUrl).searchParams.get('redirect_uri')!).port)

describe('deviceLogin against the devserver', () => {
  it('returns tokens once the user approves while it polls', async () => {
    server.resetStats()
    let prompt: DevicePrompt | undefined
    let waits = 0
    const tokenSet = await deviceLogin({
      ...device(),
      onPrompt: (p) => {
        prompt = p
      },
      // Approve after two answers of authorization_pending (onWait also precedes the first
      // poll), so that it really polls through them.
      onWait: () => {
        if (++waits === 3) void server.approveDevice(prompt!.userCode, { user: 'alice' })
      },
    })
    expect(prompt?.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/)
    expect(prompt?.verificationUri).toBe(`${server.issuer}/device`)
    expect(prompt?.verificationUriComplete).toContain(prompt?.userCode)
    expect(prompt?.expiresAt).toBeGreaterThan(Date.now())
    expect(tokenSet).toMatchObject({
      tokenType: 'Bearer',
      scope: expect.stringContaining('openid'),
    })
    expect(tokenSet.refreshToken).toEqual(expect.any(String))
    expect(claimsOf(tokenSet.idToken!)).toMatchObject({ sub: 'user-alice', aud: 'device' })
    expect(server.stats().endpoints.token).toBeGreaterThan(2)
  })

  it('stops with ERR_ACCESS_DENIED when the user denies', async () => {
    await expect(
      deviceLogin({
        ...device(),
        onPrompt: (p) => void setTimeout(() => void server.denyDevice(p.userCode), 100),
      }),
    ).rejects.toMatchObject({ code: 'ERR_ACCESS_DENIED', error: 'access_denied' })
  })

  it('stops with ERR_DEVICE_CODE_EXPIRED when nobody approves in time', async () => {
    const shortLived = await startDevServer({ ttl: { deviceCode: 1 }, deviceInterval: 0.1 })
    try {
      const started = Date.now()
      await expect(
        deviceLogin({ ...device(), issuer: shortLived.issuer, onPrompt: () => {} }),
      ).rejects.toMatchObject({ code: 'ERR_DEVICE_CODE_EXPIRED' })
      expect(Date.now() - started).toBeLessThan(2500)
    } finally {
      await shortLived.close()
    }
  })

  it('stops within 100 ms of an abort mid-poll', async () => {
    const controller = new AbortController()
    let abortedAt = 0
    let waits = 0
    const promise = deviceLogin({
      ...device(),
      signal: controller.signal,
      onPrompt: () => {},
      // After two polls answered authorization_pending, abort while it waits for the next one.
      onWait: () => {
        if (++waits === 3) {
          setImmediate(() => {
            abortedAt = performance.now()
            controller.abort()
          })
        }
      },
    })
    // Timed where it settles, from the abort call: not the assertion machinery after it.
    const settledAt = await promise.then(
      () => Number.NaN,
      () => performance.now(),
    )
    await expect(promise).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    expect(abortedAt).toBeGreaterThan(0)
    expect(settledAt - abortedAt).toBeLessThan(100)
  })
})

describe('deviceLogin in a child process', () => {
  it('leaves nothing running after an abort mid-poll: the process exits by itself', async () => {
    // The child imports the built package by name and never calls process.exit(): it can only
    // end once no timer, socket or listener is left.
    const script = `
      import { deviceLogin } from '@oauthkit/cli'
      const controller = new AbortController()
      let polls = 0
      try {
        await deviceLogin({
          issuer: process.env.ISSUER, clientId: 'device', scope: 'openid',
          allowInsecureRequests: true, signal: controller.signal,
          onPrompt: () => {},
          onWait: () => { if (++polls === 3) controller.abort() },
        })
      } catch (err) {
        console.log(err.code, polls)
      }`
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: { ...process.env, ISSUER: server.issuer },
    })
    let out = ''
    let printedAt = 0
    child.stdout.on('data', (chunk) => {
      out += chunk
      printedAt ||= performance.now()
    })
    child.stderr.on('data', (chunk) => {
      out += chunk
    })
    const code = await new Promise((resolve) => child.once('exit', resolve))
    const exitedAt = performance.now()
    expect(out.trim()).toBe('ERR_ABORTED 3')
    expect(code).toBe(0)
    // A leaked handle (the device code's lifetime timer, a socket) would hold the process for
    // seconds to minutes; 2 s tells that apart from a slow exit on a loaded machine.
    expect(exitedAt - printedAt).toBeLessThan(2000)
  })
})

describe('loopbackLogin against the devserver', () => {
  const loopback = () => ({
    issuer: server.issuer,
    clientId: 'cli',
    scope: 'openid profile offline_access',
    allowInsecureRequests: true,
  })

  it('logs in through a headless browser and closes the loopback server', async () => {
    let port = 0
    let page = ''
    let browser: Promise<void> | undefined
    const tokenSet = await loopbackLogin({
      ...loopback(),
      // Like a real browser: launched, not awaited.
      openBrowser: (url) => {
        browser = drive(url)
      },
    })
    async function drive(url: string) {
      port = portOf(url)
      const parsed = new URL(url)
      expect(parsed.searchParams.get('code_challenge_method')).toBe('S256')
      expect(parsed.searchParams.get('state')).toBeTruthy()
      expect(parsed.searchParams.get('redirect_uri')).toBe(`http://127.0.0.1:${port}/callback`)
      const callback = await server.login(url, { user: 'bob' })
      expect(new URL(callback).searchParams.get('iss')).toBe(server.issuer)
      const response = await fetch(callback)
      expect(response.status).toBe(200)
      page = await response.text()
    }
    await browser
    expect(page).toContain('Signed in')
    expect(page).not.toContain(tokenSet.accessToken)
    expect(claimsOf(tokenSet.idToken!)).toMatchObject({ sub: 'user-bob', aud: 'cli' })
    expect(tokenSet.refreshToken).toEqual(expect.any(String))
    expect(await isListening(port)).toBe(false)
  })

  it('answers a 404 to other paths and keeps waiting for the callback', async () => {
    const tokenSet = await loopbackLogin({
      ...loopback(),
      openBrowser: async (url) => {
        const origin = `http://127.0.0.1:${portOf(url)}`
        expect((await fetch(`${origin}/favicon.ico`)).status).toBe(404)
        await fetch(await server.login(url))
      },
    })
    expect(tokenSet.accessToken).toEqual(expect.any(String))
  })

  it('answers a callback with another state with a failure page, and keeps waiting for the real one', async () => {
    let port = 0
    let forged: { status: number; page: string } | undefined
    let browser: Promise<void> | undefined
    const tokenSet = await loopbackLogin({
      ...loopback(),
      openBrowser: (url) => {
        port = portOf(url)
        browser = (async () => {
          const callback = new URL(await server.login(url, { user: 'bob' }))
          const probe = new URL(callback)
          probe.searchParams.set('state', 'forged')
          const response = await fetch(probe)
          forged = { status: response.status, page: await response.text() }
          // The login goes on: the real callback, with the same code, still signs in.
          expect((await fetch(callback)).status).toBe(200)
        })()
      },
    })
    await browser
    expect(forged?.status).toBe(400)
    expect(forged?.page).toContain('Sign-in failed')
    expect(claimsOf(tokenSet.idToken!)).toMatchObject({ sub: 'user-bob' })
    expect(await isListening(port)).toBe(false)
  })

  it('fails with ERR_ACCESS_DENIED when the user declines', async () => {
    await expect(
      loopbackLogin({
        ...loopback(),
        openBrowser: async (url) => void (await fetch(await server.login(url, { deny: true }))),
      }),
    ).rejects.toMatchObject({ code: 'ERR_ACCESS_DENIED', error: 'access_denied' })
  })

  it('times out when the browser never comes back, and closes the server', async () => {
    let port = 0
    await expect(
      loopbackLogin({
        ...loopback(),
        timeout: 200,
        openBrowser: (url) => {
          port = portOf(url)
        },
      }),
    ).rejects.toMatchObject({ code: 'ERR_TIMEOUT' })
    expect(await isListening(port)).toBe(false)
  })

  it('fails with ERR_BROWSER when the browser cannot be opened, and closes the server', async () => {
    let port = 0
    await expect(
      loopbackLogin({
        ...loopback(),
        openBrowser: (url) => {
          port = portOf(url)
          throw new Error('no display')
        },
      }),
    ).rejects.toMatchObject({ code: 'ERR_BROWSER' })
    expect(await isListening(port)).toBe(false)
  })
})

/**
 * Resolves once the stored access token is due for `store.get` (core's `refreshAt`: never before
 * half its lifetime, so a token that lives 2 s is refreshed only in its last second).
 */
async function untilNearExpiry(store: FileStore): Promise<void> {
  const [entry] = await store.list()
  await until(refreshAt(entry!.tokenSet) as number)
}

describe('createFileStore against the devserver', () => {
  it('refreshes a near-expiry token on read, writes it back atomically with mode 0600', async () => {
    const shortLived = await startDevServer({ ttl: { accessToken: 2 }, deviceInterval: 0.05 })
    try {
      const key = { issuer: shortLived.issuer, clientId: 'device' }
      const store = createFileStore(join(dir, 'refresh', 'tokens.json'))
      const first: TokenSet = await deviceLogin({
        ...device(),
        issuer: shortLived.issuer,
        onPrompt: (p) => shortLived.approveDevice(p.userCode),
      })
      expect(first.expiresAt! - Date.now() / 1000).toBeLessThanOrEqual(2)
      await store.set(key, first)
      shortLived.resetStats()
      await untilNearExpiry(store)
      const fresh = await store.get(key, { allowInsecureRequests: true })
      expect(shortLived.stats().endpoints.token).toBe(1)
      expect(fresh?.accessToken).not.toBe(first.accessToken)
      expect(fresh?.idToken).toEqual(expect.any(String))
      const onDisk = JSON.parse(await readFile(store.path, 'utf8'))
      expect(onDisk.version).toBe(1)
      expect(onDisk.entries[0].tokenSet.accessToken).toBe(fresh?.accessToken)
      expect((await stat(store.path)).mode & 0o777).toBe(0o600)
      // The refreshed access token works.
      const userinfo = await fetch(`${shortLived.issuer}/me`, {
        headers: { authorization: `Bearer ${fresh?.accessToken}` },
      })
      expect(userinfo.status).toBe(200)
      // Two concurrent reads share one refresh.
      shortLived.resetStats()
      await untilNearExpiry(store)
      const [a, b] = await Promise.all([
        store.get(key, { allowInsecureRequests: true }),
        store.get(key, { allowInsecureRequests: true }),
      ])
      expect(a?.accessToken).toBe(b?.accessToken)
      expect(shortLived.stats().endpoints.token).toBe(1)
    } finally {
      await shortLived.close()
    }
  })

  it('forgets the entry and throws ERR_LOGIN_REQUIRED when the refresh token is refused', async () => {
    const store = createFileStore(join(dir, 'refused', 'tokens.json'))
    const key = { issuer: server.issuer, clientId: 'device' }
    await store.set(key, {
      accessToken: 'expired',
      tokenType: 'Bearer',
      expiresAt: Math.floor(Date.now() / 1000) - 10,
      refreshToken: 'not-a-real-refresh-token',
    })
    await expect(store.get(key, { allowInsecureRequests: true })).rejects.toMatchObject({
      code: 'ERR_LOGIN_REQUIRED',
      cause: { error: 'invalid_grant' },
    })
    expect(await store.list()).toEqual([])
  })
})
