// The CLI file store over many refresh cycles against the devserver (refresh token rotated on every
// use, 2 s access tokens), with the token endpoint, discovery and the JWKS failing at random: no
// session is ever lost, and after logout no refresh token of the grant is live at the server.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFileStore, deviceLogin } from '@oauthkit/cli'
import { type DevServer, startDevServer } from '@oauthkit/devserver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

let server: DevServer
let dir: string
beforeAll(async () => {
  server = await startDevServer({ ttl: { accessToken: 2 }, deviceInterval: 0.05 })
  dir = await mkdtemp(join(tmpdir(), 'oauthkit-cli-faults-'))
})
afterAll(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

const CYCLES = 150
const grants = () => new Set(server.liveRefreshTokens().map((token) => token.grantId))
const liveFor = (grantId: string) =>
  server.liveRefreshTokens().filter((token) => token.grantId === grantId)

describe('CLI file store: faults over many cycles', () => {
  it(`${CYCLES} refreshes with the token endpoint, discovery and JWKS failing at random: nothing lost, nothing live after logout`, async () => {
    // A seeded generator, so that a failure can be replayed.
    let seed = 11
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed / 2 ** 31
    }
    const counts = { tokenFaults: 0, discoveryFaults: 0, jwksFaults: 0 }
    // Token endpoint faults strike before the request reaches the server: an answer lost after
    // the server rotated the refresh token cannot be recovered by any client. JWKS faults come
    // after the rotation, which is what must not lose the session.
    const faulty: typeof fetch = async (input, init) => {
      const request = new Request(input, init)
      const path = new URL(request.url).pathname
      const roll = random()
      if (path === '/token' && roll < 0.3) {
        counts.tokenFaults++
        if (roll < 0.1) return new Response('{}', { status: 503 })
        if (roll < 0.2) throw new TypeError('fetch failed', { cause: new Error('ECONNRESET') })
        await new Promise((resolve) => setTimeout(resolve, 30))
        throw new DOMException('the operation timed out', 'TimeoutError')
      }
      if (path.endsWith('/openid-configuration') && roll < 0.1) {
        counts.discoveryFaults++
        return new Response('busy', { status: 503 })
      }
      if (path === '/jwks' && roll < 0.5) {
        counts.jwksFaults++
        return roll < 0.25 ? new Response('down', { status: 502 }) : Response.error()
      }
      return fetch(request)
    }

    const key = { issuer: server.issuer, clientId: 'device' }
    const path = join(dir, 'tokens.json')
    const before = grants()
    const login = await deviceLogin({
      ...key,
      scope: 'openid profile offline_access',
      allowInsecureRequests: true,
      onPrompt: (prompt) => server.approveDevice(prompt.userCode, { user: 'alice' }),
    })
    const [grantId] = [...grants()].filter((id) => !before.has(id)) as [string]
    await createFileStore(path).set(key, login)

    let refreshes = 0
    let failures = 0
    let lost = 0
    let previous = login.refreshToken
    for (let i = 0; i < CYCLES; i++) {
      // A store and a fetch of its own per cycle, as each `oauthkit token` run is a process of its
      // own: cold discovery and JWKS caches every time.
      const store = createFileStore(path)
      const processFetch: typeof fetch = (input, init) => faulty(input, init)
      try {
        const tokenSet = await store.get(key, {
          allowInsecureRequests: true,
          fetch: processFetch,
          forceRefresh: true,
          timeout: 2_000,
        })
        if (tokenSet?.refreshToken !== previous) refreshes++
        previous = tokenSet?.refreshToken
      } catch (err) {
        if ((err as { code?: string }).code === 'ERR_LOGIN_REQUIRED') lost++
        else failures++
      }
    }
    console.info(`CLI file store, faults over ${CYCLES} cycles:`, {
      ...counts,
      refreshes,
      failures,
      lost,
    })
    expect(lost).toBe(0)
    expect(refreshes + failures).toBe(CYCLES)
    expect(counts.tokenFaults).toBeGreaterThan(20)
    expect(counts.jwksFaults).toBeGreaterThan(20)
    // Exactly one refresh token of the grant is live: the one in the file.
    expect(liveFor(grantId)).toHaveLength(1)
    const store = createFileStore(path)
    const [entry] = await store.list()
    expect(entry?.tokenSet.refreshToken).toBe(previous)
    // The session still works without faults...
    const fresh = await store.get(key, { allowInsecureRequests: true, forceRefresh: true })
    const me = await fetch(`${server.issuer}/me`, {
      headers: { authorization: `Bearer ${fresh?.accessToken}` },
    })
    expect(me.status).toBe(200)
    // ...and after logout nothing of it is live at the server.
    const ended = await store.end(key, { allowInsecureRequests: true })
    expect(ended).toMatchObject({ revoked: true })
    expect(liveFor(grantId)).toHaveLength(0)
    expect(await store.list()).toEqual([])
  }, 120_000)
})
