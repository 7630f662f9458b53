// What server-side sessions hand their store and publish, against the devserver: every write
// carries a `ttl` (withSessionTtl) and the lock held, and the engine's events reach the
// diagnostics channels with `kind: 'session'` (observeSessionEvents).
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { type DevServer, startDevServer } from '@oauthkit/devserver'
import {
  createMemorySessionStore,
  createServerClient,
  type ServerClient,
  type Session,
  type SessionStore,
  type SessionWriteOptions,
} from '@oauthkit/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ACCESS_TOKEN_TTL = 60

let server: DevServer
beforeAll(async () => {
  server = await startDevServer({ ttl: { accessToken: ACCESS_TOKEN_TTL } })
})
afterAll(() => server?.close())

// Wraps the memory store, recording what every write was given.
function recordingStore() {
  const inner = createMemorySessionStore()
  const writes: { key: string; session: Session; options: SessionWriteOptions | undefined }[] = []
  const store: SessionStore = {
    get: (key) => inner.get(key),
    set(key, session, options) {
      writes.push({ key, session, options })
      return inner.set(key, session, options)
    },
    delete: (key, options) => inner.delete(key, options),
  }
  return { store, writes }
}

function web(sessions: { store: SessionStore; ttl?: number }): ServerClient {
  return createServerClient({
    issuer: server.issuer,
    clientId: 'web',
    clientSecret: server.clients.web?.clientSecret as string,
    allowInsecureRequests: true,
    sessions,
  })
}

async function signIn(client: ServerClient): Promise<Session> {
  const { url, transaction } = await client.buildAuthorizationUrl({
    redirectUri: 'http://127.0.0.1:5173/callback',
    scope: 'openid offline_access',
    prompt: 'consent',
  })
  return client.authorizationCodeGrant(await server.login(url, { user: 'alice' }), transaction)
}

describe('server-side session writes', () => {
  it('carry the configured sessions.ttl and the lock held, on a save and on every refresh', async () => {
    const { store, writes } = recordingStore()
    const client = web({ store, ttl: 600 })
    await client.saveSession('s1', await signIn(client))
    await client.getSession('s1', { forceRefresh: true })
    await client.getSession('s1', { forceRefresh: true })
    expect(writes).toHaveLength(3)
    for (const { key, options } of writes) {
      expect(options).toEqual({ ttl: 600, lock: expect.objectContaining({ name: key }) })
    }
  })

  it('by default keep a refreshable session until ended, and one without a refresh token as long as its access token', async () => {
    const { store, writes } = recordingStore()
    const client = web({ store })
    const session = await signIn(client)
    await client.saveSession('s2', session)
    const { refreshToken: _, ...tokenSet } = session.tokenSet
    await client.saveSession('s3', { ...session, tokenSet })
    expect(writes.map(({ options }) => options?.ttl)).toEqual([undefined, expect.any(Number)])
    const ttl = writes[1]?.options?.ttl as number
    // Rounded up from what is left of the access token's lifetime.
    expect(ttl).toBeGreaterThan(ACCESS_TOKEN_TTL - 10)
    expect(ttl).toBeLessThanOrEqual(ACCESS_TOKEN_TTL)
    for (const { key, options } of writes) {
      expect(options?.lock).toMatchObject({ name: key })
    }
  })
})

describe('server-side session diagnostics', () => {
  it("publish cache, lock-wait and token-request messages with kind 'session', and no key or token", async () => {
    const { store } = recordingStore()
    const client = web({ store })
    await client.saveSession('s4', await signIn(client))
    const seen: [string, unknown][] = []
    const names = ['oauthkit:cache', 'oauthkit:lock-wait', 'oauthkit:token-request']
    const listeners = names.map((name) => {
      const listener = (message: unknown) => seen.push([name, message])
      subscribe(name, listener)
      return () => unsubscribe(name, listener)
    })
    try {
      await client.getSession('s4')
      await client.getSession('s4', { forceRefresh: true })
    } finally {
      for (const off of listeners) off()
    }
    expect(seen).toEqual([
      ['oauthkit:cache', { kind: 'session', hit: true }],
      ['oauthkit:cache', { kind: 'session', hit: false }],
      ['oauthkit:lock-wait', { kind: 'session', duration: expect.any(Number) }],
      [
        'oauthkit:token-request',
        { kind: 'session', renewal: true, outcome: 'success', duration: expect.any(Number) },
      ],
    ])
    expect(JSON.stringify(seen)).not.toMatch(/s4|oauthkit:session|eyJ/)
  })

  it('publish the lock wait of a pending ID Token check too, and its write carries ttl and lock', async () => {
    const { store, writes } = recordingStore()
    const client = web({ store, ttl: 600 })
    const session = await signIn(client)
    // As a refresh during a JWKS outage leaves it: the ID Token waits for its check.
    await client.saveSession('s5', { ...session, pendingIdToken: session.tokenSet.idToken })
    const seen: [string, unknown][] = []
    const names = ['oauthkit:cache', 'oauthkit:lock-wait']
    const listeners = names.map((name) => {
      const listener = (message: unknown) => seen.push([name, message])
      subscribe(name, listener)
      return () => unsubscribe(name, listener)
    })
    try {
      await client.getSession('s5')
      for (let i = 0; i < 100 && writes.length < 2; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    } finally {
      for (const off of listeners) off()
    }
    expect(seen).toEqual([
      ['oauthkit:cache', { kind: 'session', hit: true }],
      ['oauthkit:lock-wait', { kind: 'session', duration: expect.any(Number) }],
    ])
    expect(writes).toHaveLength(2)
    expect(writes[1]?.session.pendingIdToken).toBeUndefined()
    // The check's write: the token proved, under the lock, and kept sessions.ttl like any other.
    expect(writes[1]?.options).toEqual({
      ttl: 600,
      lock: expect.objectContaining({ name: writes[0]?.key }),
    })
    expect(writes[1]?.session.tokenSet.idToken).toBe(session.tokenSet.idToken)
  })
})
