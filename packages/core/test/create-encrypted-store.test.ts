import {
  type AsyncKeyValueStore,
  createEncryptedStore,
  type StoreEncryptionKey,
} from '@oauthkit/core'
import { describe, expect, it } from 'vitest'

/** A plain in-memory store with a TTL argument, like node's TokenStore, recording every call. */
function memory() {
  const data = new Map<string, unknown>()
  const ttls: unknown[] = []
  return {
    data,
    ttls,
    async get(key: string) {
      return data.get(key)
    },
    async set(key: string, value: unknown, ttl?: number) {
      ttls.push(ttl)
      data.set(key, structuredClone(value))
    },
    async delete(key: string) {
      data.delete(key)
    },
    list: () => [...data.keys()],
  }
}

const aes = (): Promise<CryptoKey> =>
  crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
const keyOf = async (id: string): Promise<StoreEncryptionKey> => ({ id, key: await aes() })

const SESSION = {
  tokenSet: { accessToken: 'at-secret-123', refreshToken: 'rt-secret-456', expiresAt: 1 },
}

describe('createEncryptedStore()', () => {
  it('stores only ciphertext, with its key id, and reads the value back', async () => {
    const inner = memory()
    const store = createEncryptedStore(inner, { keys: [await keyOf('k1')] })
    await store.set('session', SESSION as never, 60)
    const raw = inner.data.get('session')
    expect(raw).toMatchObject({ oauthkit_sealed: 1, kid: 'k1', iv: expect.any(String) })
    expect(JSON.stringify(raw)).not.toMatch(/secret/)
    expect(inner.ttls).toEqual([60]) // extra arguments (a TTL) reach the store untouched
    expect(await store.get('session')).toEqual(SESSION)
    expect(store.list()).toEqual(['session']) // the store's other members stay reachable
    await store.delete('session')
    expect(await store.get('session')).toBeUndefined()
  })

  it('uses a fresh IV per write: the same value twice gives two ciphertexts', async () => {
    const inner = memory()
    const store = createEncryptedStore(inner, { keys: [await keyOf('k1')] })
    await store.set('a', SESSION as never)
    await store.set('b', SESSION as never)
    const [a, b] = [inner.data.get('a'), inner.data.get('b')] as { iv: string; data: string }[]
    expect(a?.iv).not.toBe(b?.iv)
    expect(a?.data).not.toBe(b?.data)
  })

  it('binds each value to its store key and key id: moved or relabelled, it does not open', async () => {
    const inner = memory()
    const k1 = await keyOf('k1')
    const k2 = { id: 'k2', key: k1.key } // the same key bytes under another id
    const store = createEncryptedStore(inner, { keys: [k1, k2] })
    await store.set('alice', SESSION as never)
    inner.data.set('mallory', inner.data.get('alice'))
    await expect(store.get('mallory')).rejects.toMatchObject({
      name: 'OAuthKitError',
      code: 'ERR_STORE_DECRYPTION_FAILED',
    })
    inner.data.set('alice', { ...(inner.data.get('alice') as object), kid: 'k2' })
    await expect(store.get('alice')).rejects.toMatchObject({ code: 'ERR_STORE_DECRYPTION_FAILED' })
  })

  it('refuses tampered ciphertext and IV with ERR_STORE_DECRYPTION_FAILED, never leaking it', async () => {
    const inner = memory()
    const store = createEncryptedStore(inner, { keys: [await keyOf('k1')] })
    for (const part of ['data', 'iv'] as const) {
      await store.set('s', SESSION as never)
      const sealed = inner.data.get('s') as Record<string, string>
      const value = sealed[part] as string
      const flipped = value.slice(0, 4) + (value[4] === 'A' ? 'B' : 'A') + value.slice(5)
      inner.data.set('s', { ...sealed, [part]: flipped })
      const err = await store.get('s').catch((e: Error) => e)
      expect(err).toMatchObject({ code: 'ERR_STORE_DECRYPTION_FAILED' })
      expect(String((err as Error).message)).not.toContain(value)
    }
  })

  it('rotates: old values open with the old key, new ones are sealed with the current key', async () => {
    const inner = memory()
    const old = await keyOf('2026-11')
    await createEncryptedStore(inner, { keys: [old] }).set('s', SESSION as never)
    const rotated = createEncryptedStore(inner, { keys: [await keyOf('2026-12'), old] })
    expect(await rotated.get('s')).toEqual(SESSION)
    await rotated.set('s', SESSION as never)
    expect(inner.data.get('s')).toMatchObject({ kid: '2026-12' })
    // Once the old key is dropped, a value still sealed with it reads as absent.
    await createEncryptedStore(inner, { keys: [old] }).set('t', SESSION as never)
    const current = createEncryptedStore(inner, { keys: [await keyOf('2026-12')] })
    expect(await current.get('t')).toBeUndefined()
  })

  it('a plain value (written before encryption) reads as absent unless acceptPlaintext', async () => {
    const inner = memory()
    inner.data.set('s', SESSION)
    const keys = [await keyOf('k1')]
    expect(await createEncryptedStore(inner, { keys }).get('s')).toBeUndefined()
    const migrating = createEncryptedStore(inner, { keys, acceptPlaintext: true })
    expect(await migrating.get('s')).toEqual(SESSION)
    await migrating.set('s', SESSION as never)
    expect(inner.data.get('s')).toMatchObject({ oauthkit_sealed: 1 })
  })

  it('accepts 16 or 32 raw key bytes', async () => {
    for (const length of [16, 32]) {
      const store = createEncryptedStore(memory(), {
        keys: [{ id: 'raw', key: crypto.getRandomValues(new Uint8Array(length)) }],
      })
      await store.set('s', SESSION as never)
      expect(await store.get('s')).toEqual(SESSION)
    }
  })

  it('stores a non-extractable CryptoKeyPair (a DPoP key) as it is', async () => {
    const inner = memory()
    const store = createEncryptedStore(inner, { keys: [await keyOf('k1')] })
    const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'sign',
      'verify',
    ])
    await store.set('dpop', pair as never)
    expect(((await store.get('dpop')) as CryptoKeyPair).privateKey.type).toBe('private')
  })

  it('checks its arguments before any I/O', async () => {
    const key = await keyOf('k1')
    const hmac = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    for (const [store, options, code, name] of [
      [{}, { keys: [key] }, 'ERR_INVALID_ARG_TYPE', '"store"'],
      [memory(), { keys: [] }, 'ERR_INVALID_ARG_TYPE', '"options.keys"'],
      [
        memory(),
        { keys: [{ id: '', key: key.key }] },
        'ERR_INVALID_ARG_TYPE',
        '"options.keys[0].id"',
      ],
      [memory(), { keys: [key, key] }, 'ERR_INVALID_ARG_VALUE', '"options.keys[1].id"'],
      [
        memory(),
        { keys: [{ id: 'x', key: 'secret' }] },
        'ERR_INVALID_ARG_TYPE',
        '"options.keys[0].key"',
      ],
      [
        memory(),
        { keys: [{ id: 'x', key: new Uint8Array(24) }] },
        'ERR_INVALID_ARG_VALUE',
        '"options.keys[0].key"',
      ],
      [
        memory(),
        { keys: [{ id: 'x', key: hmac }] },
        'ERR_INVALID_ARG_VALUE',
        '"options.keys[0].key"',
      ],
      [
        memory(),
        { keys: [key], acceptPlaintext: 'yes' },
        'ERR_INVALID_ARG_TYPE',
        '"options.acceptPlaintext"',
      ],
    ] as const) {
      expect(() => createEncryptedStore(store as AsyncKeyValueStore, options as never)).toThrow(
        expect.objectContaining({ code, message: expect.stringContaining(name) }),
      )
    }
  })
})

describe('createEncryptedStore() over a store with a lock (the Redis store)', () => {
  /** A store shaped like `@oauthkit/redis`'s: a `lock`, a fenced delete resolving what it removed. */
  function lockedStore() {
    const data = new Map<string, unknown>()
    const deletes: unknown[][] = []
    const lock = {
      run: async <T>(_: string, task: (held: { name: string }) => Promise<T>) =>
        task({ name: 'x' }),
    }
    return {
      data,
      deletes,
      lock,
      async get(key: string) {
        return data.get(key)
      },
      async set(key: string, value: unknown) {
        data.set(key, structuredClone(value))
      },
      async delete(key: string, options?: unknown) {
        deletes.push([key, options])
        const removed = data.get(key)
        data.delete(key)
        return removed
      },
    }
  }

  it('keeps the lock, passes the write options to delete and opens what it removed', async () => {
    const inner = lockedStore()
    const store = createEncryptedStore(inner, { keys: [await keyOf('k1')] })
    expect(store.lock).toBe(inner.lock)
    expect(Object.hasOwn(store, 'lock')).toBe(true)
    await store.set('session', SESSION as never)
    const options = { lock: { name: 'x', token: 'owner-1' } }
    expect(await store.delete('session', options)).toEqual(SESSION)
    expect(inner.deletes).toEqual([['session', options]])
    expect(await store.delete('session')).toBeUndefined()
  })

  it('resolves undefined for a removed value it cannot open: the delete still happened', async () => {
    const inner = lockedStore()
    await createEncryptedStore(inner, { keys: [await keyOf('k1')] }).set('s', SESSION as never)
    const other = createEncryptedStore(inner, { keys: [await keyOf('k1')] }) // same id, other key
    expect(await other.delete('s')).toBeUndefined()
    expect(inner.data.has('s')).toBe(false)
  })
})
