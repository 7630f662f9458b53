import { createHash } from 'node:crypto'
import { DEFAULT_TIMEOUT, type SessionLock } from '@oauthkit/core'
import { makeDirectory, nodeStoreFs } from './store-fs.js'
import { type FileLockOptions, STALE_AFTER_MS, withFileLock } from './with-file-lock.js'

/** Milliseconds allowed for writing the token file once the requests under the lock are done. */
const WRITE_ALLOWANCE_MS = 10_000

/** Options of {@link createFileSessionLock}. */
export interface FileSessionLockOptions extends Omit<FileLockOptions, 'signal'> {
  /**
   * Milliseconds each request under the lock may take: discovery, the token request and the
   * JWKS fetch that checks the new ID Token. Default core's `DEFAULT_TIMEOUT` (30 000). The
   * lock's time limit (`timeout`) defaults to three of them plus the write.
   */
  requestTimeout?: number
}

/**
 * The lock file of the session `name` beside the token file: one per session, so that a refresh
 * for one issuer and client never waits for another's. Internal.
 */
export function sessionLockPath(file: string, name: string): string {
  const digest = createHash('sha256').update(name).digest('base64url').slice(0, 16)
  return `${file}.${digest}.lock`
}

/**
 * The session engine's lock for the token file `file`: a lock file per session, shared by every
 * process ({@link withFileLock}). The held lock's `token` is the lock file's owner token, which
 * the file store checks before a fenced write. The caller's signal ends only the wait: the task,
 * once it runs, is never cancelled, and the lock is kept fresh for all it may need (discovery,
 * token request and JWKS, each up to `requestTimeout`, and the write).
 */
export function createFileSessionLock(
  file: string,
  options: FileSessionLockOptions = {},
): SessionLock {
  const { requestTimeout = DEFAULT_TIMEOUT, ...lockOptions } = options
  const timeout = lockOptions.timeout ?? 3 * requestTimeout + WRITE_ALLOWANCE_MS
  // A waiter outlasts a live holder's whole time limit, and then its lock going stale.
  const wait = lockOptions.wait ?? timeout + (lockOptions.staleAfter ?? STALE_AFTER_MS) + 5_000
  const fs = lockOptions.fs ?? nodeStoreFs
  return {
    async run(name, task, runOptions) {
      // The lock file lives beside the token file, so the directory must exist first.
      await makeDirectory(fs, file)
      return withFileLock(sessionLockPath(file, name), (_signal, token) => task({ name, token }), {
        ...lockOptions,
        timeout,
        wait,
        signal: runOptions?.signal,
      })
    },
  }
}
