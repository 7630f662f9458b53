import * as fs from 'node:fs/promises'
import { dirname } from 'node:path'
import { storeFailedError } from './store-failed-error.js'

/** The part of a file handle the token store uses. */
export interface StoreFileHandle {
  writeFile(data: string): Promise<void>
  sync(): Promise<void>
  utimes(atime: Date, mtime: Date): Promise<void>
  close(): Promise<void>
}

/** What {@link StoreFs.stat} must tell: enough to recognise one lock file and its age. */
export interface StoreFileStats {
  mtimeMs: number
  ino: number
  dev: number
}

/**
 * The file-system calls of the token store and its lock: `node:fs/promises` in production, a
 * double in tests (to make one call fail, or pause it). Internal.
 */
export interface StoreFs {
  mkdir(path: string, options: { recursive: true; mode: number }): Promise<unknown>
  open(path: string, flags: 'wx', mode: number): Promise<StoreFileHandle>
  readFile(path: string, encoding: 'utf8'): Promise<string>
  stat(path: string): Promise<StoreFileStats>
  chmod(path: string, mode: number): Promise<void>
  rename(from: string, to: string): Promise<void>
  link(existing: string, path: string): Promise<void>
  unlink(path: string): Promise<void>
}

/** The real file system. Internal. */
export const nodeStoreFs: StoreFs = fs

/** The string `code` of an error (`ENOENT`, `ERR_USAGE`...), if any. Internal. */
export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code
  return typeof code === 'string' ? code : undefined
}

/** Creates the directory of `file` (mode `0700`) if missing. Internal. */
export async function makeDirectory(fs: StoreFs, file: string): Promise<void> {
  const dir = dirname(file)
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 })
  } catch (err) {
    throw storeFailedError(`cannot create the token file's directory ${dir}`, err)
  }
}
