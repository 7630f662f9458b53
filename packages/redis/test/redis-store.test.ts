import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { OAuthKitError, Session } from '@oauthkit/core'
import { createRedisStore, redisChannels } from '@oauthkit/redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clients, type Library, type RedisServer, startRedisServer } from './redis-server.js'

const session = (accessToken: string, ttl = 60): Session => ({
  tokenSet: {
    accessToken,
    tokenType: 'bearer',
    expiresAt: Math.floor(Date.now() / 1000) + ttl,
    receivedAt: Math.floor(Date.now() / 1000),
  },
})

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let server: RedisServer
beforeAll(async () => {
  server = await startRedisServer()
})
afterAll(() => server?.stop())

describe.each(['redis', 'ioredis'] as Library[])('createRedisStore with %s', (library) => {
  let redis: Awaited<ReturnType<(typeof clients)[Library]>>
  beforeAll(async () => {
    redis = await clients[library](server.url)
  })
  afterAll(() => redis?.close())
  const raw = (args: string[]) =>
    library === 'redis'
      ? (redis.client as import('redis').RedisClientType).sendCommand(args)
      : (redis.client as import('ioredis').Redis).call(args[0] as string, ...args.slice(1))

  it('stores versioned JSON under a hashed key, with the TTL it was given', async () => {
    const prefix = `${library}-layout:`
    const store = createRedisStore({ client: redis.client, prefix })
    const key = 'oauthkit:client-credentials:["https://as.example","service","api:read",[]]'
    const stored = session('at-1')
    await store.set(key, stored, { ttl: 30 })
    expect(await store.get(key)).toEqual(stored)

    const keys = (await raw(['KEYS', `${prefix}*`])) as string[]
    expect(keys).toHaveLength(1)
    expect(keys[0]).toMatch(/^[a-z]+-layout:oauthkit:client-credentials:\{[\w-]{43}\}$/)
    // Neither the client id nor the scope is in the key space.
    expect(keys[0]).not.toMatch(/service|api|as\.example/)
    const value = JSON.parse((await raw(['GET', keys[0] as string])) as string)
    expect(value).toEqual({ v: 1, session: stored })
    const pttl = Number(await raw(['PTTL', keys[0] as string]))
    expect(pttl).toBeGreaterThan(29_000)
    expect(pttl).toBeLessThanOrEqual(30_000)

    // The delete gives what it removed (the engine revokes a refresh token saved meanwhile).
    expect(await store.delete(key)).toEqual(stored)
    expect(await store.get(key)).toBeUndefined()
    expect(await store.delete(key)).toBeUndefined()
  })

  it('forgets a value once its TTL has passed', async () => {
    const store = createRedisStore({ client: redis.client, prefix: `${library}-ttl:` })
    await store.set('k', session('short'), { ttl: 0.2 })
    expect(await store.get('k')).toBeDefined()
    await delay(300)
    expect(await store.get('k')).toBeUndefined()
  })

  it('drops a value it cannot read (not JSON, another version, no session) and reports it', async () => {
    const errors: OAuthKitError[] = []
    const dropped: unknown[] = []
    const listener = (message: unknown) => dropped.push(message)
    subscribe('oauthkit:redis:invalid-value', listener)
    try {
      const prefix = `${library}-bad:`
      const store = createRedisStore({
        client: redis.client,
        prefix,
        onError: (e) => errors.push(e),
      })
      for (const bad of ['{not json', '{"v":99,"session":{}}', '{"v":1}', '"just a string"']) {
        await store.set('k', session('good'))
        const [key] = (await raw(['KEYS', `${prefix}*`])) as string[]
        await raw(['SET', key as string, bad])
        expect(await store.get('k')).toBeUndefined()
        expect(await raw(['EXISTS', key as string])).toBe(0)
      }
      expect(errors.map((e) => e.code)).toEqual(Array(4).fill('ERR_STORE_CORRUPT'))
      expect(dropped).toEqual([
        { reason: 'not JSON' },
        { reason: 'unknown version' },
        { reason: 'no session' },
        { reason: 'unknown version' },
      ])
    } finally {
      unsubscribe('oauthkit:redis:invalid-value', listener)
    }
  })

  it('lets one holder at a time run, across clients', async () => {
    const other = await clients[library](server.url)
    try {
      const stores = [redis.client, other.client].map((client) =>
        createRedisStore({ client, prefix: `${library}-mutex:` }),
      )
      let inside = 0
      let most = 0
      const order: number[] = []
      await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          stores[i % 2]?.lock.run('name', async (held) => {
            expect(held.token).toMatch(/^[\w-]{36}$/)
            most = Math.max(most, ++inside)
            await delay(20)
            order.push(i)
            inside--
          }),
        ),
      )
      expect(most).toBe(1)
      expect(order).toHaveLength(6)
    } finally {
      other.close()
    }
  })

  it('refuses the write of a holder whose lock expired and was taken over', async () => {
    const prefix = `${library}-fence:`
    const stalled = createRedisStore({ client: redis.client, prefix, lockTtl: 100 })
    const next = createRedisStore({ client: redis.client, prefix })
    let refused: unknown
    const first = stalled.lock.run('k', async (held) => {
      await delay(300) // a GC pause, a blocked event loop: the lock ran out meanwhile
      await stalled.set('k', session('stale'), { lock: held }).catch((err) => {
        refused = err
      })
      await stalled.delete('k', { lock: held }).catch(() => {})
    })
    await delay(150)
    await next.lock.run('k', async (held) => {
      await next.set('k', session('fresh'), { lock: held })
      await first
    })
    expect(refused).toMatchObject({ code: 'ERR_LOCK_LOST' })
    expect((await next.get('k'))?.tokenSet.accessToken).toBe('fresh')
  })

  it('a released lock does not release a successor: release checks the owner token', async () => {
    const prefix = `${library}-release:`
    const store = createRedisStore({ client: redis.client, prefix, lockTtl: 100 })
    const lockKeys = async () => (await raw(['KEYS', `${prefix}oauthkit:lock:*`])) as string[]
    let successorHeld = false
    const first = store.lock.run('k', () => delay(250))
    // The first lock expires at 100 ms; a second process (another store) takes it over.
    const second = createRedisStore({ client: redis.client, prefix, lockTtl: 5000 })
    await delay(120)
    const taken = second.lock.run('k', async () => {
      successorHeld = true
      await first // the first holder's release runs now: it must not delete this lock
      expect(await lockKeys()).toHaveLength(1)
    })
    await taken
    expect(successorHeld).toBe(true)
    expect(await lockKeys()).toHaveLength(0)
  })

  it('names the bad option, never its value', () => {
    expect(() => createRedisStore({ client: {} as never })).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARG_TYPE',
        message: expect.stringContaining('options.client'),
      }),
    )
    expect(() => createRedisStore({ client: redis.client, prefix: 7 as never })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    )
    expect(() => createRedisStore({ client: redis.client, timeout: 0 })).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARG_VALUE',
        message: expect.stringContaining('options.timeout'),
      }),
    )
    expect(() => createRedisStore(null as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    )
  })
})

describe.each(['redis', 'ioredis'] as Library[])(
  'with %s, when Redis is out of reach',
  (library) => {
    it('fails fast while down or paused, falls back to an in-process lock, and recovers', async () => {
      const own = await startRedisServer()
      const redis = await clients[library](own.url)
      const events: [string, unknown][] = []
      const listeners = Object.entries({
        unavailable: redisChannels.unavailable,
        recovered: redisChannels.recovered,
        lockFallback: redisChannels.lockFallback,
      }).map(([name, target]) => {
        const listener = (message: unknown) => events.push([name, message])
        target.subscribe(listener)
        return () => target.unsubscribe(listener)
      })
      const errors: string[] = []
      try {
        const store = createRedisStore({
          client: redis.client,
          timeout: 100,
          retryAfter: 200,
          onError: (e) => errors.push(e.code),
        })
        await store.set('k', session('before'))

        // Paused: connections stay open and nothing answers. Each command gives up at its deadline.
        own.pause()
        let started = performance.now()
        await expect(store.get('k')).rejects.toMatchObject({ code: 'ERR_TIMEOUT' })
        expect(performance.now() - started).toBeLessThan(400)
        // The breaker is open: the next calls do not even wait for the deadline.
        started = performance.now()
        await expect(store.get('k')).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
        expect(await store.lock.run('k', async (held) => held)).toEqual({ name: 'k' })
        expect(performance.now() - started).toBeLessThan(50)
        own.resume()
        await delay(250)
        expect((await store.get('k'))?.tokenSet.accessToken).toBe('before')

        // Down: the client is not connected, so commands fail at once instead of queueing.
        await own.stop()
        await delay(250)
        started = performance.now()
        await expect(store.get('k')).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
        await expect(store.set('k', session('during'))).rejects.toMatchObject({
          code: 'ERR_STORE_UNAVAILABLE',
        })
        expect(performance.now() - started).toBeLessThan(50)

        // Back, empty (no persistence): the store answers again once the client reconnected.
        await own.start()
        await expect
          .poll(() => store.get('k').catch((e) => e.code), { timeout: 5000 })
          .toBeUndefined()
        await store.set('k', session('after'))
        expect((await store.get('k'))?.tokenSet.accessToken).toBe('after')
        expect(events.map(([name]) => name)).toEqual([
          'unavailable',
          'lockFallback',
          'recovered',
          'unavailable',
          'recovered',
        ])
        expect(errors).toEqual(['ERR_TIMEOUT', 'ERR_STORE_UNAVAILABLE'])
      } finally {
        for (const off of listeners) off()
        redis.close()
        await own.stop()
      }
    })
  },
)
