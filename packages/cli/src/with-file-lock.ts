import { open, stat, unlink } from 'node:fs/promises'
import { setTimeout as delay } from 'node:timers/promises'
import { OAuthKitError } from '@oauthkit/core'

// A lock older than this (longer than one refresh request may take: the HTTP timeout is 30 s)
// is left over from a crashed process and may be taken over.
const STALE_AFTER_MS = 40_000
const RETRY_EVERY_MS = 25

/**
 * Runs `task` while holding an exclusive lock file at `lockPath` (created with `O_EXCL`, which
 * is atomic on local file systems), so that two processes never refresh the same refresh token
 * at once: with rotation, the loser's token would be refused, and some servers then revoke the
 * whole grant (RFC 9700 §4.14.2). Internal.
 */
export async function withFileLock<T>(
  lockPath: string,
  task: () => Promise<T>,
  waitMs: number = STALE_AFTER_MS + 5_000,
): Promise<T> {
  const deadline = Date.now() + waitMs
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx', 0o600)
      await handle.writeFile(`${process.pid}\n`)
      await handle.close()
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      if (await isStale(lockPath)) {
        await unlink(lockPath).catch(() => {})
        continue
      }
      if (Date.now() > deadline) {
        throw new OAuthKitError(`token file is locked by another process: ${lockPath}`, {
          code: 'ERR_STORE_LOCKED',
        })
      }
      await delay(RETRY_EVERY_MS)
    }
  }
  try {
    return await task()
  } finally {
    await unlink(lockPath).catch(() => {})
  }
}

async function isStale(lockPath: string): Promise<boolean> {
  try {
    return Date.now() - (await stat(lockPath)).mtimeMs > STALE_AFTER_MS
  } catch {
    // Gone between open() and stat(): not stale, just free; the next attempt takes it.
    return false
  }
}
