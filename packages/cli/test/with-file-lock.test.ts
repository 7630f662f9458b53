import * as fsp from 'node:fs/promises'
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeStoreFs, type StoreFileHandle, type StoreFs } from '../src/store-fs.js'
import { withFileLock } from '../src/with-file-lock.js'
import { deferred } from './fake-server.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oauthkit-lock-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

let counter = 0
const freshLock = () => join(dir, `case-${++counter}.lock`)
const anHourAgo = () => new Date(Date.now() - 3_600_000)
const owner = async (lock: string) => (await readFile(lock, 'utf8')).trim()
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  )
const failure = (code: string) => Object.assign(new Error(`${code}: injected`), { code })

/** The real file system, but the handle of each file it opens has `override`n calls. */
function handlesWith(override: (handle: fsp.FileHandle) => Partial<StoreFileHandle>): StoreFs {
  return {
    ...nodeStoreFs,
    open: async (path, flags, mode) => {
      const handle = await fsp.open(path, flags, mode)
      return {
        writeFile: (data) => handle.writeFile(data),
        sync: () => handle.sync(),
        utimes: (atime, mtime) => handle.utimes(atime, mtime),
        close: () => handle.close(),
        ...override(handle),
      }
    },
  }
}

/** A lock file left by a process that died an hour ago. */
async function abandonedLock(lock: string): Promise<void> {
  await writeFile(lock, 'crashed-process\n')
  await utimes(lock, anHourAgo(), anHourAgo())
}

/** Holds `lock` until the returned `release` is called; `held` resolves once it is taken. */
function holdLock(lock: string, options: Parameters<typeof withFileLock>[2] = {}) {
  const held = deferred<AbortSignal>()
  const gate = deferred()
  const done = withFileLock(
    lock,
    async (signal) => {
      held.resolve(signal)
      await gate.promise
      return 'done'
    },
    options,
  )
  return { held: held.promise, release: gate.resolve, done }
}

describe('withFileLock', () => {
  it('holds a random owner token in the lock while the task runs, and removes the lock after', async () => {
    const lock = freshLock()
    const tokens: string[] = []
    for (let i = 0; i < 2; i++) {
      await withFileLock(lock, async () => {
        tokens.push(await owner(lock))
      })
    }
    expect(tokens[0]).toMatch(new RegExp(`^${process.pid} [0-9a-f]{32}$`))
    expect(tokens[1]).not.toBe(tokens[0])
    expect(await exists(lock)).toBe(false)
  })

  it('takes over a stale lock left by a crashed process, and leaves nothing behind', async () => {
    const lock = freshLock()
    await abandonedLock(lock)
    const seen = await withFileLock(lock, () => owner(lock), { staleAfter: 1_000 })
    expect(seen).not.toBe('crashed-process')
    expect(await exists(lock)).toBe(false)
    expect((await readdir(dir)).filter((name) => name.startsWith(`case-${counter}.`))).toEqual([])
  })

  it('does not take over a fresh lock: gives up with ERR_STORE_LOCKED, leaving it alone', async () => {
    const lock = freshLock()
    await writeFile(lock, 'alive-process\n')
    await expect(withFileLock(lock, async () => 'ran', { wait: 100 })).rejects.toMatchObject({
      code: 'ERR_STORE_LOCKED',
    })
    expect(await owner(lock)).toBe('alive-process')
  })

  it("a slow holder that was taken over does not delete its successor's lock", async () => {
    const lock = freshLock()
    // No heartbeat during the test: the holder looks like a frozen process.
    const slow = holdLock(lock, { heartbeat: 3_600_000 })
    await slow.held
    await utimes(lock, anHourAgo(), anHourAgo())
    const next = holdLock(lock, { staleAfter: 1_000 })
    await next.held
    const successor = await owner(lock)
    slow.release()
    expect(await slow.done).toBe('done')
    // Still there, still the successor's.
    expect(await owner(lock)).toBe(successor)
    next.release()
    await next.done
    expect(await exists(lock)).toBe(false)
  })

  it("a holder whose lock was taken over learns it at its next heartbeat: its task's signal aborts with ERR_STORE_LOCKED", async () => {
    const lock = freshLock()
    // The heartbeat checks ownership every 20 ms but cannot touch the file: a frozen clock.
    const frozen = handlesWith(() => ({ utimes: async () => {} }))
    const lost = deferred<unknown>()
    const held = deferred()
    const holder = withFileLock(
      lock,
      (signal) =>
        new Promise((_, reject) => {
          held.resolve()
          signal.addEventListener('abort', () => {
            lost.resolve(signal.reason)
            reject(signal.reason)
          })
        }),
      { heartbeat: 20, fs: frozen },
    )
    await held.promise
    await utimes(lock, anHourAgo(), anHourAgo())
    const next = holdLock(lock, { staleAfter: 1_000 })
    await next.held
    expect(await lost.promise).toMatchObject({ code: 'ERR_STORE_LOCKED' })
    await expect(holder).rejects.toMatchObject({ code: 'ERR_STORE_LOCKED' })
    expect(await exists(lock)).toBe(true)
    next.release()
    await next.done
  })

  it('two waiters judging one lock stale: the later one never removes the lock the first one took', async () => {
    const lock = freshLock()
    await abandonedLock(lock)
    let raced = false
    // Right after this waiter has judged the lock stale, another waiter takes it over first and
    // creates a fresh lock of its own.
    const late: StoreFs = {
      ...nodeStoreFs,
      stat: async (path) => {
        const stats = await nodeStoreFs.stat(path)
        if (path === lock && !raced) {
          raced = true
          await rm(lock)
          await writeFile(lock, 'first-waiter\n', { flag: 'wx' })
        }
        return stats
      },
    }
    await expect(
      withFileLock(lock, async () => 'ran', { staleAfter: 1_000, wait: 100, fs: late }),
    ).rejects.toMatchObject({ code: 'ERR_STORE_LOCKED' })
    expect(raced).toBe(true)
    expect(await owner(lock)).toBe('first-waiter')
    expect((await readdir(dir)).filter((name) => name.endsWith('.stale'))).toEqual([])
  })

  it('touches the lock file while the task runs, so a live holder never looks stale', async () => {
    const lock = freshLock()
    const touched = deferred()
    const fs = handlesWith((handle) => ({
      utimes: async (atime, mtime) => {
        await handle.utimes(atime, mtime)
        touched.resolve()
      },
    }))
    const holder = holdLock(lock, { heartbeat: 10, fs })
    await holder.held
    await utimes(lock, anHourAgo(), anHourAgo())
    await touched.promise
    expect(Date.now() - (await stat(lock)).mtimeMs).toBeLessThan(60_000)
    holder.release()
    await holder.done
  })

  it('aborts a task that runs past its time limit, with ERR_TIMEOUT, and removes the lock', async () => {
    const lock = freshLock()
    const err = await withFileLock(
      lock,
      (signal) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason))
        }),
      { timeout: 50 },
    ).catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'OAuthKitError', code: 'ERR_TIMEOUT' })
    expect(await exists(lock)).toBe(false)
  })

  it('stops waiting for the lock at once when the signal aborts, with ERR_ABORTED', async () => {
    const lock = freshLock()
    const holder = holdLock(lock)
    await holder.held
    const controller = new AbortController()
    const waiting = withFileLock(lock, async () => 'ran', { signal: controller.signal })
    controller.abort()
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    // The holder's lock is untouched.
    expect(await exists(lock)).toBe(true)
    holder.release()
    await holder.done
    expect(await exists(lock)).toBe(false)
  })

  it("never aborts a running task when the caller's signal aborts: it only ends the wait", async () => {
    const lock = freshLock()
    const controller = new AbortController()
    const holder = holdLock(lock, { signal: controller.signal })
    const signal = await holder.held
    controller.abort()
    expect(signal.aborted).toBe(false)
    expect(await owner(lock)).toMatch(/^\d+ [0-9a-f]{32}$/)
    holder.release()
    await expect(holder.done).resolves.toBe('done')
    expect(await exists(lock)).toBe(false)
  })

  it('closes the handle and removes the empty lock when writing the owner token fails', async () => {
    const lock = freshLock()
    let closed = false
    const fs = handlesWith((handle) => ({
      writeFile: async () => {
        throw failure('ENOSPC')
      },
      close: async () => {
        closed = true
        await handle.close()
      },
    }))
    await expect(withFileLock(lock, async () => 'ran', { fs })).rejects.toMatchObject({
      code: 'ERR_STORE_FAILED',
      cause: { code: 'ENOSPC' },
    })
    expect(closed).toBe(true)
    expect(await exists(lock)).toBe(false)
  })

  it('wraps a lock that cannot be created in ERR_STORE_FAILED', async () => {
    const blocker = join(dir, `blocker-${++counter}`)
    await writeFile(blocker, 'a file')
    await expect(withFileLock(join(blocker, 'x.lock'), async () => 'ran')).rejects.toMatchObject({
      code: 'ERR_STORE_FAILED',
      cause: { code: 'ENOTDIR' },
    })
  })
})
