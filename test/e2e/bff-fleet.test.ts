// Two BFF processes behind one Redis share sessions: a login served by one process is a session
// for the other, a proxied call through either gets the same user's token, one refresh serves
// both (the store's lock spans processes), and a logout through either ends it for both.
// Each BFF is a real child process (createBff + toNodeHandler + createRedisStore) on its own
// port; Redis is a real redis-server; the authorization server is the devserver.
import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type DevServer, startDevServer } from '@oauthkit/devserver'
import { createAccessTokenVerifier } from '@oauthkit/node'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RedisServer, startRedisServer } from '../../packages/redis/test/redis-server.js'
import { listen } from '../fixtures/listen.js'

// Seconds. The engine refreshes at half the lifetime for short-lived tokens (refresh-ahead is
// min(60 s, ½ lifetime)): the first calls must come before 3 s, the refresh after.
const ACCESS_TOKEN_TTL = 6
const root = fileURLToPath(new URL('../..', import.meta.url))

let redis: RedisServer
let devserver: DevServer
let api: Server
const children: ChildProcess[] = []
/** The two processes' origins; `a` stands for the public origin both serve behind a balancer. */
let a: string
let b: string
const seenByApi: { sub: string; jti: string; authorization: string; cookie?: string }[] = []

/** Forks one BFF process (the bundled worker) and resolves with it and its origin. */
async function startBff(worker: string): Promise<{ child: ChildProcess; origin: string }> {
  const child = fork(worker, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  children.push(child)
  const [message] = (await once(child, 'message')) as [{ type: string; port: number }]
  expect(message.type).toBe('listening')
  return { child, origin: `http://127.0.0.1:${message.port}` }
}

beforeAll(async () => {
  // The worker imports the packages' TypeScript source: esbuild bundles it for Node, with the
  // Redis client left to node_modules (hence an output directory inside the repository's).
  const dir = join(root, 'node_modules', '.cache', 'oauthkit-tests')
  mkdirSync(dir, { recursive: true })
  const worker = join(dir, 'bff-fleet-worker.mjs')
  await build({
    entryPoints: [fileURLToPath(new URL('./helpers/bff-fleet-worker.ts', import.meta.url))],
    outfile: worker,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    conditions: ['@oauthkit/source'],
    external: ['redis', 'ioredis', 'jose', 'oauth4webapi'],
    logLevel: 'warning',
  })
  redis = await startRedisServer()
  const [first, second] = await Promise.all([startBff(worker), startBff(worker)])
  a = first.origin
  b = second.origin
  devserver = await startDevServer({
    ttl: { accessToken: ACCESS_TOKEN_TTL },
    redirectUris: [`${a}/auth/callback`],
    postLogoutRedirectUris: [`${a}/`],
  })
  const verifier = createAccessTokenVerifier({
    issuer: devserver.issuer,
    audience: devserver.resource,
    allowInsecureRequests: true,
  })
  api = createServer(async (req, res) => {
    try {
      const claims = await verifier.verify(req.headers.authorization ?? '')
      seenByApi.push({
        sub: claims.sub as string,
        jti: claims.jti as string,
        authorization: req.headers.authorization ?? '',
        ...(req.headers.cookie ? { cookie: req.headers.cookie } : {}),
      })
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ orders: [1, 2], for: claims.sub }))
    } catch {
      res.writeHead(401).end()
    }
  })
  const apiOrigin = await listen(api)
  const configure = {
    type: 'configure',
    issuer: devserver.issuer,
    clientSecret: devserver.clients.web?.clientSecret,
    publicOrigin: a,
    apiOrigin,
    resource: devserver.resource,
    redisUrl: redis.url,
  }
  await Promise.all(
    [first.child, second.child].map(async (child) => {
      child.send(configure)
      const [reply] = (await once(child, 'message')) as [{ type: string; message?: string }]
      expect(reply).toEqual({ type: 'ready' })
    }),
  )
}, 30_000)

afterAll(async () => {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = once(child, 'exit')
      child.kill('SIGKILL')
      await exited
    }),
  )
  await Promise.all([
    devserver?.close(),
    redis?.stop(),
    new Promise((resolve) => (api ? api.close(resolve) : resolve(undefined))),
  ])
})

/** A browser's cookie jar and CSRF header; `at` is the process a balancer sent the request to. */
class Browser {
  cookies = new Map<string, string>()
  async fetch(at: string, path: string, init: RequestInit & { csrf?: boolean } = {}) {
    const headers = new Headers(init.headers)
    if (this.cookies.size > 0) {
      headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '))
    }
    if (init.csrf !== false) {
      headers.set('x-oauthkit-csrf', '1')
      headers.set('origin', a) // the public origin, whichever process answers
    }
    const response = await fetch(new URL(path, at), { ...init, headers, redirect: 'manual' })
    for (const line of response.headers.getSetCookie()) {
      const [name, value] = (line.split(';')[0] ?? '').split('=') as [string, string]
      if (/Max-Age=0/.test(line)) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    return response
  }
  /** The whole login through `start` (login) and `back` (the callback). */
  async login(start: string, back: string): Promise<void> {
    const begin = await this.fetch(start, '/auth/login?returnTo=/orders', { csrf: false })
    expect(begin.status).toBe(303)
    const callback = new URL(
      await devserver.login(begin.headers.get('location') as string, { user: 'alice' }),
    )
    const done = await this.fetch(back, callback.pathname + callback.search, { csrf: false })
    expect(done.status).toBe(303)
    expect(done.headers.get('location')).toBe('/orders')
  }
  user(at: string) {
    return this.fetch(at, '/auth/user').then((r) => r.json())
  }
  async orders(at: string) {
    const response = await this.fetch(at, '/api/orders')
    return { status: response.status, body: response.ok ? await response.json() : undefined }
  }
}

const grants = () => new Set(devserver.liveRefreshTokens().map((t) => t.grantId))

describe('two BFF processes, one Redis', () => {
  it('login through A; /auth/user and the proxy through B; one refresh for both; logout through B ends it for A', async () => {
    const grantsBefore = grants()
    const browser = new Browser()
    await browser.login(a, a)
    const [grant] = [...grants()].filter((g) => !grantsBefore.has(g))
    expect(grant).toBeDefined()

    expect(await browser.user(b)).toMatchObject({ sub: 'user-alice' })
    expect(await browser.user(a)).toMatchObject({ sub: 'user-alice' })

    seenByApi.length = 0
    expect(await browser.orders(b)).toEqual({
      status: 200,
      body: { orders: [1, 2], for: 'user-alice' },
    })
    expect((await browser.orders(a)).status).toBe(200)
    // The same access token from the shared session: B did not log in again or refresh.
    expect(seenByApi.map((s) => s.jti)).toEqual([seenByApi[0]?.jti, seenByApi[0]?.jti])
    expect(seenByApi.every((s) => s.cookie === undefined)).toBe(true)

    // Past the point where the access token is renewed, both processes at once: the store's lock
    // lets one refresh and the other take its result. The refresh token rotates, and the
    // devserver treats a second refresh with the old one as theft: it revokes the whole grant.
    await new Promise((resolve) => setTimeout(resolve, (ACCESS_TOKEN_TTL / 2) * 1000 + 300))
    seenByApi.length = 0
    const calls = await Promise.all([
      browser.orders(a),
      browser.orders(b),
      browser.orders(a),
      browser.orders(b),
    ])
    expect(calls.map((c) => c.status)).toEqual([200, 200, 200, 200])
    expect(new Set(seenByApi.map((s) => s.jti)).size).toBe(1)
    expect(grants().has(grant as string)).toBe(true)
    expect(await browser.user(a)).toMatchObject({ sub: 'user-alice' })

    const logout = await browser.fetch(b, '/auth/logout', { method: 'POST' })
    expect(logout.status).toBe(200)
    expect(await browser.user(a)).toBeNull()
    expect((await browser.orders(a)).status).toBe(401)
    // B revoked the grant at the authorization server: no process can bring the session back.
    await expect.poll(() => grants().has(grant as string), { timeout: 5_000 }).toBe(false)
  })

  it('a login begun at one process completes at the other (the transaction cookie is sealed with the shared secret)', async () => {
    const browser = new Browser()
    await browser.login(b, a)
    expect(await browser.user(b)).toMatchObject({ sub: 'user-alice' })
    expect((await browser.orders(a)).status).toBe(200)
  })

  it('a session id that is not in the store is anonymous at every process', async () => {
    const browser = new Browser()
    browser.cookies.set('oauthkit-session', 'A'.repeat(43))
    expect(await browser.user(a)).toBeNull()
    expect(await browser.user(b)).toBeNull()
    expect((await browser.orders(b)).status).toBe(401)
  })
})
