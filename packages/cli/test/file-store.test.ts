import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFileStore, type TokenSet } from '../src/index.js'
import { fakeServer, ISSUER, json, tokens } from './fake-server.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oauthkit-store-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

let counter = 0
const freshPath = () => join(dir, `case-${++counter}`, 'oauthkit', 'tokens.json')
const key = { issuer: ISSUER, clientId: 'tv' }
const now = () => Math.floor(Date.now() / 1000)
const tokenSet = (overrides: Partial<TokenSet> = {}): TokenSet => ({
  accessToken: 'at-0',
  tokenType: 'Bearer',
  expiresAt: now() + 3600,
  refreshToken: 'rt-0',
  ...overrides,
})

describe('createFileStore', () => {
  it('keeps one entry per issuer and client in a 0600 file inside a 0700 directory', async () => {
    const store = createFileStore(freshPath())
    await store.set(key, tokenSet())
    await store.set({ ...key, clientId: 'other' }, tokenSet({ accessToken: 'at-other' }))
    await store.set(key, tokenSet({ accessToken: 'at-1' }))
    expect((await stat(store.path)).mode & 0o777).toBe(0o600)
    expect((await stat(join(store.path, '..'))).mode & 0o777).toBe(0o700)
    const file = JSON.parse(await readFile(store.path, 'utf8'))
    expect(file.version).toBe(1)
    expect(file.entries).toHaveLength(2)
    expect(await store.get(key)).toMatchObject({ accessToken: 'at-1' })
    expect(await store.get({ ...key, clientId: 'other' })).toMatchObject({
      accessToken: 'at-other',
    })
    expect(await store.get({ ...key, clientId: 'missing' })).toBeUndefined()
    expect(await store.delete(key)).toBe(true)
    expect(await store.delete(key)).toBe(false)
    expect((await store.list()).map((entry) => entry.clientId)).toEqual(['other'])
  })

  it('leaves no temporary or lock file behind', async () => {
    const store = createFileStore(freshPath())
    await store.set(key, tokenSet())
    await store.delete(key)
    expect(await readdir(join(store.path, '..'))).toEqual(['tokens.json'])
  })

  it('resolves undefined when the file does not exist', async () => {
    const store = createFileStore(freshPath())
    expect(await store.get(key)).toBeUndefined()
    expect(await store.list()).toEqual([])
  })

  it('refuses a corrupt file with ERR_STORE_CORRUPT, without echoing its content', async () => {
    const store = createFileStore(freshPath())
    await store.set(key, tokenSet())
    await writeFile(store.path, '{"version":1,"entries":[{"tokenSet":{"accessToken":"secret-at"')
    const err = (await store.list().catch((e: unknown) => e)) as Error
    expect(err).toMatchObject({ code: 'ERR_STORE_CORRUPT' })
    expect(err.message).not.toContain('secret-at')
  })

  it('never shows a reader a half-written file while a writer rewrites it', async () => {
    const store = createFileStore(freshPath())
    await store.set(key, tokenSet())
    // Large entries take several write() calls: a plain truncate-and-write would be seen torn.
    const padding = 'x'.repeat(500_000)
    let writing = true
    const writer = (async () => {
      for (let i = 0; writing; i++)
        await store.set(key, tokenSet({ accessToken: `at-${i}-${padding}` }))
    })()
    let reads = 0
    const until = Date.now() + 500
    while (Date.now() < until) {
      const file = JSON.parse(await readFile(store.path, 'utf8'))
      expect(file.entries[0].tokenSet.accessToken).toMatch(/^at-/)
      reads++
    }
    writing = false
    await writer
    expect(reads).toBeGreaterThan(20)
  })

  it('returns a token that is not near expiry without any request', async () => {
    const { fetch } = fakeServer({})
    const store = createFileStore(freshPath())
    await store.set(key, tokenSet())
    expect(await store.get(key, { fetch })).toMatchObject({ accessToken: 'at-0' })
    expect(fetch).not.toHaveBeenCalled()
  })

  it('refreshes a token near expiry, keeps the ID token, and writes the rotated refresh token', async () => {
    const { fetch, calls } = fakeServer({ '/token': tokens('at-1', { refresh_token: 'rt-1' }) })
    const store = createFileStore(freshPath())
    await store.set(key, tokenSet({ expiresAt: now() + 10, idToken: 'a.b.c' }))
    const fresh = await store.get(key, { fetch })
    expect(fresh).toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-1', idToken: 'a.b.c' })
    expect(calls[0]?.body.get('refresh_token')).toBe('rt-0')
    expect((await store.list())[0]?.tokenSet).toEqual(fresh)
    expect(await store.get(key, { fetch })).toEqual(fresh)
    expect(calls).toHaveLength(1)
  })

  it('keeps the refresh token when the server does not rotate it', async () => {
    const { fetch } = fakeServer({ '/token': tokens('at-1') })
    const store = createFileStore(freshPath())
    await store.set(key, tokenSet({ expiresAt: now() - 5 }))
    expect(await store.get(key, { fetch })).toMatchObject({
      accessToken: 'at-1',
      refreshToken: 'rt-0',
    })
  })

  it('refreshes once for concurrent readers, across store instances (processes) too', async () => {
    let release = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const { fetch, calls } = fakeServer({
      '/token': async () => {
        await gate
        return tokens('at-1', { refresh_token: 'rt-1' })()
      },
    })
    const path = freshPath()
    const a = createFileStore(path)
    const b = createFileStore(path)
    await a.set(key, tokenSet({ expiresAt: now() - 1 }))
    const reads = [a.get(key, { fetch }), a.get(key, { fetch }), b.get(key, { fetch })]
    setTimeout(release, 100)
    const results = await Promise.all(reads)
    expect(results.map((result) => result?.accessToken)).toEqual(['at-1', 'at-1', 'at-1'])
    expect(calls).toHaveLength(1)
  })

  it('deletes the entry and throws ERR_LOGIN_REQUIRED when the refresh token is refused', async () => {
    const { fetch } = fakeServer({ '/token': json({ error: 'invalid_grant' }, 400) })
    const store = createFileStore(freshPath())
    await store.set(key, tokenSet({ expiresAt: now() - 1 }))
    await expect(store.get(key, { fetch })).rejects.toMatchObject({
      code: 'ERR_LOGIN_REQUIRED',
      error: 'invalid_grant',
    })
    expect(await store.list()).toEqual([])
  })

  it('throws ERR_LOGIN_REQUIRED for an expired token without a refresh token', async () => {
    const store = createFileStore(freshPath())
    await store.set(key, tokenSet({ expiresAt: now() - 1, refreshToken: undefined }))
    await expect(store.get(key)).rejects.toMatchObject({ code: 'ERR_LOGIN_REQUIRED' })
  })

  it('returns the still-valid token when a refresh fails for a transient reason', async () => {
    const { fetch } = fakeServer({ '/token': () => new Response('busy', { status: 503 }) })
    const store = createFileStore(freshPath())
    await store.set(key, tokenSet({ expiresAt: now() + 10 }))
    expect(await store.get(key, { fetch })).toMatchObject({ accessToken: 'at-0' })
    await store.set(key, tokenSet({ expiresAt: now() - 10 }))
    await expect(store.get(key, { fetch })).rejects.toMatchObject({
      code: 'OAUTH_RESPONSE_IS_NOT_CONFORM',
    })
  })

  it('does not refresh with refresh: false', async () => {
    const { fetch } = fakeServer({})
    const store = createFileStore(freshPath())
    await store.set(key, tokenSet({ expiresAt: now() - 1 }))
    expect(await store.get(key, { fetch, refresh: false })).toMatchObject({ accessToken: 'at-0' })
    expect(fetch).not.toHaveBeenCalled()
  })

  it('rejects bad arguments with a TypeError', async () => {
    expect(() => createFileStore('')).toThrow(TypeError)
    const store = createFileStore(freshPath())
    await expect(store.get({ issuer: '', clientId: 'x' })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    })
    await expect(store.set(key, {} as TokenSet)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    })
  })
})
