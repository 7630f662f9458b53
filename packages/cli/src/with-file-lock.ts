import { randomBytes } from 'node:crypto'
import { basename, dirname, join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { OAuthKitError } from '@oauthkit/core'
import { abortError } from '@oauthkit/core/internal'
import { storeFailedError } from './store-failed-error.js'
import { errorCode, nodeStoreFs, type StoreFileHandle, type StoreFs } from './store-fs.js'

/**
 * A lock whose file has not been touched for this long belongs to a process that died (a live
 * holder touches it every {@link HEARTBEAT_MS}), and may be taken over.
 */
export const STALE_AFTER_MS = 40_000
/**
 * The longest the work under the lock may run before its signal aborts, by default. A live holder
 * touches the lock until then, so nobody judges it stale while its work may still write.
 */
const TASK_TIMEOUT_MS = 30_000
const HEARTBEAT_MS = 5_000
const RETRY_EVERY_MS = 25

/** Options of {@link withFileLock}. */
export interface FileLockOptions {
  /**
   * Stops waiting for the lock. Never the task once it runs: work that was started (a token
   * request that was sent) must be finished and its result written, whoever stopped waiting.
   */
  signal?: AbortSignal | undefined
  /** Milliseconds the task may run; then its signal aborts (`ERR_TIMEOUT`). */
  timeout?: number
  /** Milliseconds to wait for the lock before `ERR_STORE_LOCKED`. */
  wait?: number
  /** Milliseconds after its last touch at which a lock counts as abandoned. */
  staleAfter?: number
  /** Milliseconds between two touches of the lock file while the task runs. */
  heartbeat?: number
  /** The file system; tests inject one. */
  fs?: StoreFs
}

/**
 * Runs `task` while holding an exclusive lock file at `lockPath`, so that two processes never
 * refresh the same refresh token at once: with rotation, the loser's token would be refused, and
 * some servers then revoke the whole grant (RFC 9700 §4.14.2). Internal.
 *
 * - The lock is created with `O_EXCL` (atomic on local file systems) and holds a random owner
 *   token; it is removed at the end only while it still holds that token, so a holder that was
 *   taken over never deletes its successor's lock.
 * - While the task runs the lock file is touched every few seconds (through the open handle, so
 *   only our own file is ever touched), and the heartbeat checks the token is still ours: if not,
 *   the task's signal aborts (`ERR_STORE_LOCKED`).
 * - A lock untouched for `staleAfter` is taken over by renaming it to a unique name, then checking
 *   that the file moved is the one judged stale; a fresh lock moved by mistake (another waiter
 *   took over first) is linked back.
 * - The task gets a signal that aborts after `timeout`, or when the lock is lost, and the owner
 *   token, for writes that must check they still hold the lock ({@link holdsFileLock}). The
 *   heartbeat stops with that signal: a task that ignores it lets the lock go stale. withFileLock
 *   settles only once the task has: it never reports while work it started still runs.
 *
 * @throws `ERR_STORE_LOCKED` when the lock stays busy for `wait`, or is lost while the task runs;
 *   `ERR_TIMEOUT` when the task fails after its time ran out; `ERR_ABORTED` when `signal` aborts
 *   the wait; `ERR_STORE_FAILED` when the lock file cannot be created or written.
 */
export async function withFileLock<T>(
  lockPath: string,
  task: (signal: AbortSignal, token: string) => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const { signal, fs = nodeStoreFs } = options
  const staleAfter = options.staleAfter ?? STALE_AFTER_MS
  const timeout = options.timeout ?? TASK_TIMEOUT_MS
  const heartbeat = options.heartbeat ?? HEARTBEAT_MS
  const wait = options.wait ?? staleAfter + 5_000
  const token = `${process.pid} ${randomBytes(16).toString('hex')}`
  const handle = await acquire(lockPath, token, fs, signal, staleAfter, wait)

  const lost = new AbortController()
  const deadline = AbortSignal.timeout(timeout)
  const taskSignal = AbortSignal.any([deadline, lost.signal])
  let beating = false
  const beat = async () => {
    if (beating) return
    beating = true
    try {
      let owner: string | undefined
      try {
        owner = (await fs.readFile(lockPath, 'utf8')).trim()
      } catch (err) {
        // Unreadable for another reason: we cannot tell, so keep going.
        if (errorCode(err) !== 'ENOENT') return
      }
      if (owner !== token) {
        // Replaced or removed: somebody took the lock over. Stop the work before it refreshes.
        lost.abort(
          new OAuthKitError(`lost the token file lock ${lockPath} to another process`, {
            code: 'ERR_STORE_LOCKED',
          }),
        )
        return
      }
      const now = new Date()
      await handle.utimes(now, now).catch(() => {})
    } finally {
      beating = false
    }
  }
  const timer = setInterval(() => void beat(), heartbeat)
  timer.unref()
  // A task that ignores its signal must not keep the lock alive: it then goes stale.
  const stopBeating = () => clearInterval(timer)
  taskSignal.addEventListener('abort', stopBeating, { once: true })

  try {
    if (signal?.aborted) throw abortError(signal, 'waiting for the token file lock')
    return await task(taskSignal, token)
  } catch (err) {
    if (lost.signal.aborted) throw lost.signal.reason
    if (deadline.aborted) {
      throw new OAuthKitError(`the work under the token file lock took longer than ${timeout} ms`, {
        code: 'ERR_TIMEOUT',
        cause: err,
      })
    }
    throw err
  } finally {
    stopBeating()
    taskSignal.removeEventListener('abort', stopBeating)
    await handle.close().catch(() => {})
    await release(lockPath, token, fs)
  }
}

async function acquire(
  lockPath: string,
  token: string,
  fs: StoreFs,
  signal: AbortSignal | undefined,
  staleAfter: number,
  wait: number,
): Promise<StoreFileHandle> {
  const giveUpAt = Date.now() + wait
  for (;;) {
    if (signal?.aborted) throw abortError(signal, 'waiting for the token file lock')
    let handle: StoreFileHandle
    try {
      handle = await fs.open(lockPath, 'wx', 0o600)
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') {
        throw storeFailedError(`cannot create the lock file ${lockPath}`, err)
      }
      if (await takeOverIfStale(lockPath, staleAfter, fs)) continue
      if (Date.now() >= giveUpAt) {
        throw new OAuthKitError(`the token file is locked by another process: ${lockPath}`, {
          code: 'ERR_STORE_LOCKED',
        })
      }
      try {
        await delay(RETRY_EVERY_MS, undefined, signal ? { signal } : undefined)
      } catch {
        throw abortError(signal, 'waiting for the token file lock')
      }
      continue
    }
    try {
      await handle.writeFile(`${token}\n`)
      return handle
    } catch (err) {
      // Created by us a moment ago (O_EXCL), so ours to remove: never leave an empty lock.
      await handle.close().catch(() => {})
      await fs.unlink(lockPath).catch(() => {})
      throw storeFailedError(`cannot write the lock file ${lockPath}`, err)
    }
  }
}

/**
 * Takes over the lock at `lockPath` when it is stale. Resolves `true` when the caller should try
 * to create the lock again at once, `false` when the lock is held.
 */
async function takeOverIfStale(lockPath: string, staleAfter: number, fs: StoreFs) {
  let judged: Awaited<ReturnType<StoreFs['stat']>>
  try {
    judged = await fs.stat(lockPath)
  } catch (err) {
    // Released between our open() and stat(): free, try again.
    if (errorCode(err) === 'ENOENT') return true
    throw storeFailedError(`cannot read the lock file ${lockPath}`, err)
  }
  if (Date.now() - judged.mtimeMs <= staleAfter) return false
  // Rename, not unlink: another waiter may have taken the stale lock over and created a fresh one
  // since our stat(). Moved aside, the file can be checked, and put back if it was not the one.
  const aside = join(
    dirname(lockPath),
    `${basename(lockPath)}.${randomBytes(6).toString('hex')}.stale`,
  )
  try {
    await fs.rename(lockPath, aside)
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return true
    throw storeFailedError(`cannot take over the stale lock file ${lockPath}`, err)
  }
  let moved: Awaited<ReturnType<StoreFs['stat']>> | undefined
  try {
    moved = await fs.stat(aside)
  } catch {
    moved = undefined
  }
  const same =
    moved !== undefined &&
    moved.ino === judged.ino &&
    moved.dev === judged.dev &&
    moved.mtimeMs === judged.mtimeMs
  if (!same) {
    // A live lock: put it back. link() fails if yet another process has created one meanwhile;
    // its owner then finds its token gone at the next heartbeat and stops.
    await fs.link(aside, lockPath).catch(() => {})
  }
  await fs.unlink(aside).catch(() => {})
  return same
}

/**
 * Whether the lock at `lockPath` still holds `token`: false once another process took it over.
 * Internal.
 */
export async function holdsFileLock(
  lockPath: string,
  token: string,
  fs: StoreFs = nodeStoreFs,
): Promise<boolean> {
  try {
    return (await fs.readFile(lockPath, 'utf8')).trim() === token
  } catch {
    // Gone, or unreadable: not ours to rely on.
    return false
  }
}

/** Removes the lock, but only while it still holds our token. */
async function release(lockPath: string, token: string, fs: StoreFs): Promise<void> {
  if (await holdsFileLock(lockPath, token, fs)) await fs.unlink(lockPath).catch(() => {})
}
