import { channel, subscribe, unsubscribe } from 'node:diagnostics_channel'
import { type DevServer, startDevServer } from '@oauthkit/devserver'
import {
  createMemorySessionStore,
  createProcessLock,
  createServerClient,
  diagnosticsChannels,
  type SessionLock,
  type SessionStore,
} from '@oauthkit/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const CHANNELS = [
  'oauthkit:token-request',
  'oauthkit:cache',
  'oauthkit:lock-wait',
  'oauthkit:store-fallback',
]

let server: DevServer
beforeAll(async () => {
  server = await startDevServer()
})
afterAll(() => server?.close())

function record() {
  const seen: [string, Record<string, unknown>][] = []
  const listeners = CHANNELS.map((name) => {
    const listener = (message: unknown) => seen.push([name, message as Record<string, unknown>])
    subscribe(name, listener)
    return () => unsubscribe(name, listener)
  })
  return {
    seen,
    stop: () => {
      for (const off of listeners) off()
    },
  }
}

const options = () => ({
  issuer: server.issuer,
  clientId: 'service',
  clientSecret: 'service-secret',
  allowInsecureRequests: true,
})

describe('diagnostics channels', () => {
  it("are node:diagnostics_channel's channels of those names, the same object on every read", () => {
    const { tokenRequest, cache, lockWait, storeFallback } = diagnosticsChannels
    expect([tokenRequest, cache, lockWait, storeFallback].map(({ name }) => name)).toEqual(CHANNELS)
    expect(diagnosticsChannels.cache).toBe(cache)
    expect(channel('oauthkit:cache')).toBe(cache)
    expect(Object.keys(diagnosticsChannels)).toEqual([
      'tokenRequest',
      'cache',
      'lockWait',
      'storeFallback',
    ])
  })

  it('publish cache misses and hits, the token request with its outcome and duration, lock waits', async () => {
    const client = createServerClient(options())
    await client.metadata()
    const { seen, stop } = record()
    try {
      await client.clientCredentials()
      await client.clientCredentials()
    } finally {
      stop()
    }
    expect(seen.map(([name]) => name)).toEqual([
      'oauthkit:cache',
      'oauthkit:lock-wait',
      'oauthkit:token-request',
      'oauthkit:cache',
    ])
    expect(seen[0]?.[1]).toEqual({ kind: 'client-credentials', hit: false })
    expect(seen[2]?.[1]).toMatchObject({
      kind: 'client-credentials',
      renewal: false,
      outcome: 'success',
      duration: expect.any(Number),
    })
    expect(seen[3]?.[1]).toEqual({ kind: 'client-credentials', hit: true })
    // No key, token or secret in any message.
    expect(JSON.stringify(seen)).not.toMatch(/service|eyJ|secret/)
  })

  it('publish a failed request with its code, and store fallbacks', async () => {
    const failing: SessionStore = {
      get: () => Promise.reject(new Error('down')),
      set: () => Promise.reject(new Error('down')),
      delete: () => Promise.reject(new Error('down')),
    }
    const bad = createServerClient({ ...options(), clientSecret: 'wrong' })
    const down = createServerClient({
      ...options(),
      tokenCache: { store: failing, onError: () => {} },
    })
    await Promise.all([bad.metadata(), down.metadata()])
    const { seen, stop } = record()
    try {
      await expect(bad.clientCredentials()).rejects.toMatchObject({ error: 'invalid_client' })
      await down.clientCredentials()
    } finally {
      stop()
    }
    expect(seen.find(([name]) => name === 'oauthkit:token-request')?.[1]).toMatchObject({
      outcome: 'error',
      code: 'ERR_OAUTH_RESPONSE',
    })
    const fallbacks = seen.filter(([name]) => name === 'oauthkit:store-fallback').map(([, m]) => m)
    expect(fallbacks).toContainEqual({ kind: 'client-credentials', operation: 'read' })
    expect(fallbacks).toContainEqual({ kind: 'client-credentials', operation: 'write' })
  })
})

describe('a store that carries its lock', () => {
  it('is used with it, unless a lock is given', async () => {
    const used: string[] = []
    const spy = (label: string): SessionLock => {
      const inner = createProcessLock()
      return {
        run: (name, task, o) => {
          used.push(label)
          return inner.run(name, task, o)
        },
      }
    }
    const store = Object.assign(createMemorySessionStore(), { lock: spy('store.lock') })
    await createServerClient({ ...options(), tokenCache: { store } }).clientCredentials()
    await createServerClient({
      ...options(),
      tokenCache: {
        store: Object.assign(createMemorySessionStore(), { lock: spy('another store.lock') }),
        lock: spy('explicit'),
      },
    }).clientCredentials()
    expect(used).toEqual(['store.lock', 'explicit'])
  })
})
