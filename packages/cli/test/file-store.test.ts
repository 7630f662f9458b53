import { readFileSync } from 'node:fs'
import * as fsp from 'node:fs/promises'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { openFileStore } from '../src/file-store.js'
import { createFileStore, type FileStoreEntry, type TokenSet } from '../src/index.js'
import { errorCode, nodeStoreFs, type StoreFileHandle, type StoreFs } from '../src/store-fs.js'
import { deferred, fakeServer, gated, ISSUER, json, tokens } from './fake-server.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oauthkit-store-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})
afterEach(() => {
  vi.useRealTimers()
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

/** Writes a token file by hand, for entries `set` would not write (old ones, odd times). */
async function seed(path: string, entries: Partial<FileStoreEntry>[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  await writeFile(path, JSON.stringify({ version: 1, entries }), { mode: 0o600 })
}

/** An entry received an hour ago whose access token expires in `seconds`: near expiry. */
const nearExpiry = (seconds: number, overrides: Partial<TokenSet> = {}) => ({
  ...key,
  savedAt: now() - 3600,
  receivedAt: now() - 3600,
  tokenSet: tokenSet({ expiresAt: now() + seconds, ...overrides }),
})

/** A file handle whose `override`n calls replace the real ones. */
function handleWith(
  handle: fsp.FileHandle,
  override: Partial<StoreFileHandle> = {},
): StoreFileHandle {
  return {
    writeFile: (data) => handle.writeFile(data),
    sync: () => handle.sync(),
    utimes: (atime, mtime) => handle.utimes(atime, mtime),
    close: () => handle.close(),
    ...override,
  }
}

/** A file system whose temporary token files get `override`n handle calls. */
function temporaryFilesWith(
  override: (handle: fsp.FileHandle, path: string) => Partial<StoreFileHandle>,
): StoreFs {
  return {
    ...nodeStoreFs,
    open: async (path, flags, mode) => {
      const handle = await fsp.open(path, flags, mode)
      return path.endsWith('.tmp') ? handleWith(handle, override(handle, path)) : handle
    },
  }
}

/** The real file system, and `lockBusy`, which resolves once a lock file is found taken. */
function watchedLocks() {
  const lockBusy = deferred()
  const fs: StoreFs = {
    ...nodeStoreFs,
    open: async (path, flags, mode) => {
      try {
        return await nodeStoreFs.open(path, flags, mode)
      } catch (err) {
        if (path.endsWith('.lock') && errorCode(err) === 'EEXIST') lockBusy.resolve()
        throw err
      }
    },
  }
  return { fs, lockBusy }
}

const failure = (code: string) => Object.assign(new Error(`${code}: injected`), { code })

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

  it('records when the tokens were received', async () => {
    const store = createFileStore(freshPath())
    const before = now()
    await store.set(key, tokenSet())
    const [entry] = await store.list()
    expect(entry?.tokenSet.receivedAt).toBeGreaterThanOrEqual(before)
    expect(entry?.tokenSet.receivedAt).toBeLessThanOrEqual(now())
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

  it('never shows a reader a half-written file: the new content is renamed in only when whole', async () => {
    const path = freshPath()
    await createFileStore(path).set(key, tokenSet({ accessToken: 'at-old' }))
    const halfway = deferred<string>()
    const resume = deferred()
    // The temporary file is written in two halves, with a pause between them.
    const fs = temporaryFilesWith((handle, temporary) => ({
      writeFile: async (data) => {
        await handle.write(data.slice(0, data.length / 2))
        halfway.resolve(temporary)
        await resume.promise
        await handle.write(data.slice(data.length / 2))
      },
    }))
    const writing = openFileStore(path, { fs }).set(key, tokenSet({ accessToken: 'at-new' }))
    const temporary = await halfway.promise
    // Mid-write, the new content sits half-written in the temporary file...
    expect(() => JSON.parse(readFileSync(temporary, 'utf8'))).toThrow(SyntaxError)
    // ...while a reader of the token file sees the old content, whole.
    expect(JSON.parse(await readFile(path, 'utf8')).entries[0].tokenSet.accessToken).toBe('at-old')
    resume.resolve()
    await writing
    expect(JSON.parse(await readFile(path, 'utf8')).entries[0].tokenSet.accessToken).toBe('at-new')
    expect(await readdir(dirname(path))).toEqual(['tokens.json'])
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
    await seed(store.path, [nearExpiry(10, { idToken: 'a.b.c' })])
    const fresh = await store.get(key, { fetch })
    expect(fresh).toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-1', idToken: 'a.b.c' })
    expect(calls[0]?.body.get('refresh_token')).toBe('rt-0')
    const [entry] = await store.list()
    expect(entry?.tokenSet).toEqual(fresh)
    expect(entry?.tokenSet.receivedAt).toBeGreaterThanOrEqual(now() - 1)
    expect(await store.get(key, { fetch })).toEqual(fresh)
    expect(calls).toHaveLength(1)
  })

  it('refreshes a token that lives shorter than two minutes at half its lifetime, not on every read', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() })
    const { fetch, calls } = fakeServer({ '/token': tokens('at-1', { expires_in: 20 }) })
    const store = createFileStore(freshPath())
    // 20 s of life: core's policy renews 60 s ahead at most, and never before half the lifetime.
    await store.set(key, tokenSet({ expiresAt: now() + 20 }))
    for (let i = 0; i < 5; i++)
      expect(await store.get(key, { fetch })).toMatchObject({ accessToken: 'at-0' })
    vi.advanceTimersByTime(9_000)
    expect(await store.get(key, { fetch })).toMatchObject({ accessToken: 'at-0' })
    expect(calls).toHaveLength(0)
    vi.advanceTimersByTime(1_000)
    expect(await store.get(key, { fetch })).toMatchObject({ accessToken: 'at-1' })
    // The refreshed token also lives 20 s: no refresh on the next reads either.
    for (let i = 0; i < 5; i++)
      expect(await store.get(key, { fetch })).toMatchObject({ accessToken: 'at-1' })
    expect(calls).toHaveLength(1)
  })

  it('takes the receipt time of an entry written before TokenSet.receivedAt from savedAt, or else refreshes at expiry', async () => {
    const { fetch, calls } = fakeServer({ '/token': tokens('at-1') })
    const path = freshPath()
    const store = createFileStore(path)
    // Written by an earlier version: savedAt, no receivedAt.
    await seed(path, [{ ...key, savedAt: now(), tokenSet: tokenSet({ expiresAt: now() + 20 }) }])
    expect(await store.get(key, { fetch })).toMatchObject({ accessToken: 'at-0' })
    expect(calls).toHaveLength(0)
    // No time at all (a file written by hand): the lifetime is unknown, it is used until expiry.
    await seed(path, [{ ...key, tokenSet: tokenSet({ expiresAt: now() + 20 }) }])
    expect(await store.get(key, { fetch })).toMatchObject({ accessToken: 'at-0' })
    expect(calls).toHaveLength(0)
    await seed(path, [{ ...key, tokenSet: tokenSet({ expiresAt: now() }) }])
    expect(await store.get(key, { fetch })).toMatchObject({ accessToken: 'at-1' })
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
    const gate = deferred()
    const token = gated(tokens('at-1', { refresh_token: 'rt-1' }), gate.promise)
    const { fetch, calls } = fakeServer({ '/token': token.handler })
    // Resolves once a store finds the lock taken: the other instance is then waiting on it.
    const { fs, lockBusy } = watchedLocks()
    const path = freshPath()
    const a = openFileStore(path, { fs })
    const b = openFileStore(path, { fs })
    await a.set(key, tokenSet({ expiresAt: now() - 1 }))
    const reads = [a.get(key, { fetch }), a.get(key, { fetch }), b.get(key, { fetch })]
    await Promise.all([token.started, lockBusy.promise])
    gate.resolve()
    const results = await Promise.all(reads)
    expect(results.map((result) => result?.accessToken)).toEqual(['at-1', 'at-1', 'at-1'])
    expect(calls).toHaveLength(1)
  })

  it("a caller's abort ends only its own wait: the shared refresh goes on for the others", async () => {
    const gate = deferred()
    const token = gated(tokens('at-1', { refresh_token: 'rt-1' }), gate.promise)
    const { fetch, calls } = fakeServer({ '/token': token.handler })
    const store = createFileStore(freshPath())
    await store.set(key, tokenSet({ expiresAt: now() - 1 }))
    const controller = new AbortController()
    const leaving = store.get(key, { fetch, signal: controller.signal })
    const staying = store.get(key, { fetch })
    const requestSignal = await token.started
    controller.abort()
    await expect(leaving).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    expect(requestSignal?.aborted).toBe(false)
    gate.resolve()
    expect(await staying).toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-1' })
    expect(calls).toHaveLength(1)
  })

  it('finishes and saves a refresh every caller has left, then releases the lock', async () => {
    const gate = deferred()
    const token = gated(tokens('at-1', { refresh_token: 'rt-1' }), gate.promise)
    const { fetch } = fakeServer({ '/token': token.handler })
    const store = createFileStore(freshPath())
    await store.set(key, tokenSet({ expiresAt: now() - 1 }))
    const controller = new AbortController()
    const reading = store.get(key, { fetch, signal: controller.signal })
    const requestSignal = await token.started
    controller.abort()
    await expect(reading).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    // The request was sent: the server may have rotated rt-0 already. It is never cancelled.
    expect(requestSignal?.aborted).toBe(false)
    gate.resolve()
    await vi.waitFor(async () =>
      expect(await store.get(key, { refresh: false })).toMatchObject({ refreshToken: 'rt-1' }),
    )
    await vi.waitFor(async () =>
      expect(await readdir(dirname(store.path))).toEqual(['tokens.json']),
    )
  })

  it("uses each caller's own fetch: callers that differ refresh apart, and the lock lets only one spend the token", async () => {
    const gate = deferred()
    const token = gated(tokens('at-1', { refresh_token: 'rt-1' }), gate.promise)
    const first = fakeServer({ '/token': token.handler })
    const second = fakeServer({ '/token': tokens('at-2') })
    // Resolves once a refresh finds the session's lock taken.
    const { fs, lockBusy } = watchedLocks()
    const store = openFileStore(freshPath(), { fs })
    await store.set(key, tokenSet({ expiresAt: now() - 1 }))
    const a = store.get(key, { fetch: first.fetch })
    await token.started
    const b = store.get(key, { fetch: second.fetch })
    // A caller with another fetch does not join the first caller's refresh: it runs its own,
    // which waits for the lock.
    await lockBusy.promise
    gate.resolve()
    expect((await Promise.all([a, b])).map((t) => t?.accessToken)).toEqual(['at-1', 'at-1'])
    // The second caller found fresh tokens under the lock: no token request of its own.
    expect(second.calls).toHaveLength(0)
    expect(first.calls).toHaveLength(1)
  })

  it('deletes the entry and throws ERR_LOGIN_REQUIRED when the refresh token is refused', async () => {
    const { fetch } = fakeServer({ '/token': json({ error: 'invalid_grant' }, 400) })
    const store = createFileStore(freshPath())
    await store.set(key, tokenSet({ expiresAt: now() - 1 }))
    await expect(store.get(key, { fetch })).rejects.toMatchObject({
      code: 'ERR_LOGIN_REQUIRED',
      cause: { error: 'invalid_grant' },
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
    await seed(store.path, [nearExpiry(10)])
    expect(await store.get(key, { fetch })).toMatchObject({ accessToken: 'at-0' })
    await store.set(key, tokenSet({ expiresAt: now() - 10 }))
    await expect(store.get(key, { fetch })).rejects.toMatchObject({
      code: 'ERR_SERVER',
      status: 503,
    })
  })

  it('refreshes a fresh token with forceRefresh: true (a resource server refused it)', async () => {
    const { fetch, calls } = fakeServer({ '/token': tokens('at-1', { refresh_token: 'rt-1' }) })
    const store = createFileStore(freshPath())
    await store.set(key, tokenSet())
    expect(await store.get(key, { fetch, forceRefresh: true })).toMatchObject({
      accessToken: 'at-1',
      refreshToken: 'rt-1',
    })
    expect(calls).toHaveLength(1)
  })

  it('does not refresh with refresh: false', async () => {
    const { fetch } = fakeServer({})
    const store = createFileStore(freshPath())
    await store.set(key, tokenSet({ expiresAt: now() - 1 }))
    expect(await store.get(key, { fetch, refresh: false })).toMatchObject({ accessToken: 'at-0' })
    expect(fetch).not.toHaveBeenCalled()
  })

  it('rejects bad arguments with a TypeError naming them', async () => {
    expect(() => createFileStore('')).toThrow(TypeError)
    const store = createFileStore(freshPath())
    await expect(store.get({ issuer: '', clientId: 'x' })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    })
    await expect(store.set(key, {} as TokenSet)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    })
    const cases: [Record<string, unknown>, string, string][] = [
      [{ timeout: '30' }, 'options.timeout', 'ERR_INVALID_ARG_TYPE'],
      [{ timeout: -1 }, 'options.timeout', 'ERR_INVALID_ARG_VALUE'],
      [{ timeout: Number.NaN }, 'options.timeout', 'ERR_INVALID_ARG_VALUE'],
      [{ refresh: 'no' }, 'options.refresh', 'ERR_INVALID_ARG_TYPE'],
      [{ forceRefresh: 1 }, 'options.forceRefresh', 'ERR_INVALID_ARG_TYPE'],
      [{ fetch: 'yes' }, 'options.fetch', 'ERR_INVALID_ARG_TYPE'],
      [{ signal: {} }, 'options.signal', 'ERR_INVALID_ARG_TYPE'],
    ]
    for (const [options, name, code] of cases) {
      await expect(store.get(key, options as never)).rejects.toMatchObject({
        name: 'TypeError',
        code,
        message: expect.stringContaining(name),
      })
    }
  })
})

describe('createFileStore when the file system fails', () => {
  it('throws ERR_STORE_FAILED with the Node error as cause when the parent path is a file', async () => {
    const blocker = join(dir, `blocker-${++counter}`)
    await writeFile(blocker, 'not a directory')
    const store = createFileStore(join(blocker, 'oauthkit', 'tokens.json'))
    for (const call of [
      () => store.get(key),
      () => store.list(),
      () => store.set(key, tokenSet()),
      () => store.delete(key),
    ]) {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err).toMatchObject({ name: 'OAuthKitError', code: 'ERR_STORE_FAILED' })
      expect((err as Error).cause).toMatchObject({ code: expect.stringMatching(/^E[A-Z]+$/) })
    }
  })

  it.each([
    ['writeFile', 'ENOSPC'],
    ['sync', 'EIO'],
    ['close', 'EIO'],
  ] as const)(
    'a failing %s (%s) leaves no temporary file with tokens behind',
    async (call, code) => {
      const path = freshPath()
      await createFileStore(path).set(key, tokenSet({ accessToken: 'at-old' }))
      const fs = temporaryFilesWith((handle) => ({
        [call]: async () => {
          if (call === 'close') await handle.close()
          throw failure(code)
        },
      }))
      const err = await openFileStore(path, { fs })
        .set(key, tokenSet({ accessToken: 'at-new' }))
        .catch((e: unknown) => e)
      expect(err).toMatchObject({ code: 'ERR_STORE_FAILED', cause: { code } })
      expect(await readdir(dirname(path))).toEqual(['tokens.json'])
      expect(JSON.parse(await readFile(path, 'utf8')).entries[0].tokenSet.accessToken).toBe(
        'at-old',
      )
    },
  )

  it('a failing rename leaves no temporary file behind either', async () => {
    const path = freshPath()
    await createFileStore(path).set(key, tokenSet())
    const fs: StoreFs = {
      ...nodeStoreFs,
      rename: async () => {
        throw failure('EXDEV')
      },
    }
    await expect(openFileStore(path, { fs }).set(key, tokenSet())).rejects.toMatchObject({
      code: 'ERR_STORE_FAILED',
      cause: { code: 'EXDEV' },
    })
    expect(await readdir(dirname(path))).toEqual(['tokens.json'])
  })
})
