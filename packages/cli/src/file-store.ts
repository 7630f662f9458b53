import { randomBytes } from 'node:crypto'
import { dirname } from 'node:path'
import {
  decodeJwt,
  isExpired,
  isOAuthResponseError,
  OAuthKitError,
  OAuthResponseError,
  refreshTokenGrant,
  type TokenSet,
} from '@oauthkit/core'
import { abortError, invalidArgument, toHttpOptions } from '@oauthkit/core/internal'
import { assertSignal, type ConnectionOptions, connect } from './connect.js'
import { createSharedFlight } from './create-shared-flight.js'
import { defaultTokenFilePath } from './default-token-file-path.js'
import { storeFailedError } from './store-failed-error.js'
import { errorCode, nodeStoreFs, type StoreFs } from './store-fs.js'
import { type FileLockOptions, withFileLock } from './with-file-lock.js'

/** Which session an entry belongs to: one entry per issuer and client. */
export interface FileStoreKey {
  /** The issuer identifier. */
  issuer: string
  /** The client identifier. */
  clientId: string
}

/** One stored session, as kept in the file. */
export interface FileStoreEntry extends FileStoreKey {
  /** The tokens. */
  tokenSet: TokenSet
  /** When the entry was written, in epoch seconds. */
  savedAt: number
  /**
   * When the tokens were received, in epoch seconds: the access token lived
   * `tokenSet.expiresAt - receivedAt` seconds. `set` records the time of the call. Absent in
   * files written before it existed; `savedAt` stands in for it then.
   */
  receivedAt?: number
}

/** Options of {@link FileStore.get}. */
export interface FileStoreGetOptions
  extends Pick<ConnectionOptions, 'allowInsecureRequests' | 'fetch'> {
  /** Refresh the access token when it is near expiry (see `skew`). Default true. */
  refresh?: boolean
  /**
   * Seconds before expiry at which a token counts as near expiry. Default 30. A token that lives
   * shorter than twice that is refreshed at half its lifetime instead, so that a short-lived
   * token is not refreshed on every read.
   */
  skew?: number
  /**
   * Stops this call's wait. A refresh shared with other concurrent calls goes on while any of
   * them still waits.
   */
  signal?: AbortSignal
}

/** A token store in one JSON file, shared by every oauthkit command and library user. */
export interface FileStore {
  /** The absolute path of the file. */
  readonly path: string
  /**
   * The tokens of `key`, refreshed first (and written back) when the access token is expired or
   * near expiry and there is a refresh token. `undefined` when there is no entry.
   *
   * @throws `ERR_LOGIN_REQUIRED` when the access token has expired and there is no refresh token,
   *   or the server refused the refresh token (the entry is then deleted); `ERR_STORE_FAILED`
   *   when the file cannot be read or written; other {@link OAuthKitError}s when the refresh
   *   fails and the access token has already expired.
   */
  get(key: FileStoreKey, options?: FileStoreGetOptions): Promise<TokenSet | undefined>
  /** Saves the tokens of `key`, replacing what was there; now counts as their receipt time. */
  set(key: FileStoreKey, tokenSet: TokenSet): Promise<void>
  /** Forgets `key`. Resolves `true` when there was an entry. */
  delete(key: FileStoreKey): Promise<boolean>
  /** Every entry, as stored: nothing is refreshed. */
  list(): Promise<FileStoreEntry[]>
}

/** The file's format: see the package README. */
interface TokenFile {
  version: 1
  entries: FileStoreEntry[]
}

/** The default `skew` of {@link FileStore.get}, in seconds. */
const DEFAULT_SKEW = 30

/**
 * Creates a store that keeps tokens in the file `path` (by default {@link defaultTokenFilePath}),
 * one entry per issuer and client. The file is created with mode `0600` in a directory with mode
 * `0700`, and every write goes to a temporary file that is then renamed over the old one, so a
 * crash never leaves a half-written file. Writers across processes take a lock file
 * (`<path>.lock`), so concurrent refreshes never spend one rotating refresh token twice.
 *
 * @param path - The token file; default {@link defaultTokenFilePath}.
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-8.6
 * @example
 * ```ts
 * const store = createFileStore()
 * await store.set({ issuer, clientId }, tokenSet)
 * const fresh = await store.get({ issuer, clientId }) // refreshed when near expiry
 * ```
 */
export function createFileStore(path?: string): FileStore {
  if (path !== undefined && (typeof path !== 'string' || path.length === 0)) {
    throw invalidArgument('path', 'a non-empty string')
  }
  return openFileStore(path ?? defaultTokenFilePath())
}

/** Internals a test may replace. */
export interface FileStoreInternals {
  /** The file system. */
  fs?: StoreFs
  /** Options of the lock file, for tests of its timing. */
  lock?: Omit<FileLockOptions, 'signal' | 'fs'>
}

/** {@link createFileStore} with its file system injected. Internal: for tests. */
export function openFileStore(file: string, internals: FileStoreInternals = {}): FileStore {
  const fs = internals.fs ?? nodeStoreFs
  const lockPath = `${file}.lock`
  const refreshes = createSharedFlight<string, TokenSet | undefined>((signal) =>
    abortError(signal, 'reading the token file'),
  )

  // The lock file lives beside the token file, so the directory must exist first.
  const locked = async <T>(task: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal) => {
    await makeDirectory(fs, file)
    return withFileLock(lockPath, task, { ...internals.lock, signal, fs })
  }

  const mutate = <T>(
    change: (entries: FileStoreEntry[]) => { entries?: FileStoreEntry[]; result: T },
  ) =>
    locked(async () => {
      const { entries, result } = change(await readEntries(fs, file))
      if (entries) await writeEntries(fs, file, entries)
      return result
    })

  /**
   * The refresh every concurrent caller of `get` shares. It never sees a caller's signal: only
   * its own, which aborts when every caller has left (and the lock's time limit).
   */
  const refresh = async (
    key: FileStoreKey,
    seen: FileStoreEntry,
    connection: Pick<ConnectionOptions, 'allowInsecureRequests' | 'fetch'>,
    skew: number,
    signal: AbortSignal,
  ): Promise<TokenSet | undefined> => {
    // Discovery first, outside the lock: the lock covers the refresh request alone.
    let context: Awaited<ReturnType<typeof connect>>
    try {
      context = await connect({ ...connection, ...key }, signal)
    } catch (err) {
      // A transient failure: a still-valid access token is better than none.
      if (!isExpired(seen.tokenSet)) return seen.tokenSet
      throw err
    }
    return locked(async (lockSignal) => {
      // Another process may have refreshed while we waited for the lock: read again.
      const current = find(await readEntries(fs, file), key)
      if (!current) return undefined
      if (!isNearExpiry(current, skew)) return current.tokenSet
      const refreshToken = current.tokenSet.refreshToken
      if (!refreshToken) {
        if (!isExpired(current.tokenSet)) return current.tokenSet
        throw loginRequired('the access token has expired and there is no refresh token')
      }
      let tokenSet: TokenSet
      try {
        const subject = subjectOf(current.tokenSet)
        const result = await refreshTokenGrant(context, refreshToken, {
          ...(subject ? { expectedSubject: subject } : {}),
          signal: lockSignal,
        })
        tokenSet = result.tokenSet
      } catch (err) {
        if (isOAuthResponseError(err) && err.error === 'invalid_grant') {
          await writeEntries(fs, file, without(await readEntries(fs, file), key))
          throw new OAuthResponseError('the server refused the refresh token; log in again', {
            error: err.error,
            error_description: err.error_description,
            status: err.status,
            code: 'ERR_LOGIN_REQUIRED',
            cause: err,
          })
        }
        // A transient failure: a still-valid access token is better than none.
        if (!isExpired(current.tokenSet)) return current.tokenSet
        throw err
      }
      const receivedAt = nowSeconds()
      // Keep the ID Token of the login when a refresh response has none (OIDC Core §12.2).
      if (!tokenSet.idToken && current.tokenSet.idToken) tokenSet.idToken = current.tokenSet.idToken
      const entries = without(await readEntries(fs, file), key)
      entries.push({ ...pickKey(key), tokenSet, savedAt: receivedAt, receivedAt })
      await writeEntries(fs, file, entries)
      return tokenSet
    }, signal)
  }

  return {
    path: file,
    async get(key, options) {
      assertKey(key)
      assertGetOptions(options)
      const connection = toHttpOptions(
        { fetch: options?.fetch, allowInsecureRequests: options?.allowInsecureRequests },
        'options',
      )
      const signal = options?.signal
      if (signal?.aborted) throw abortError(signal, 'reading the token file')
      const entry = find(await readEntries(fs, file), key)
      if (!entry) return undefined
      const skew = options?.skew ?? DEFAULT_SKEW
      if (options?.refresh === false || !isNearExpiry(entry, skew)) return entry.tokenSet
      if (!entry.tokenSet.refreshToken) {
        if (!isExpired(entry.tokenSet)) return entry.tokenSet
        throw loginRequired('the access token has expired and there is no refresh token')
      }
      // One refresh per key and way of reaching the server in this process; callers that differ
      // in those run their own, which the lock then serialises (the second finds fresh tokens).
      const flight = [
        key.issuer,
        key.clientId,
        skew,
        connection.allowInsecureRequests === true,
        fetchId(connection.fetch),
      ].join('\n')
      return refreshes(flight, (shared) => refresh(key, entry, connection, skew, shared), signal)
    },
    async set(key, tokenSet) {
      assertKey(key)
      if (typeof tokenSet?.accessToken !== 'string') {
        throw invalidArgument('tokenSet', 'a TokenSet')
      }
      const receivedAt = nowSeconds()
      return mutate((entries) => ({
        entries: [
          ...without(entries, key),
          { ...pickKey(key), tokenSet, savedAt: receivedAt, receivedAt },
        ],
        result: undefined,
      }))
    },
    async delete(key) {
      assertKey(key)
      return mutate((entries) => {
        const rest = without(entries, key)
        return rest.length === entries.length ? { result: false } : { entries: rest, result: true }
      })
    },
    list() {
      return readEntries(fs, file)
    },
  }
}

/**
 * Whether the entry's access token is within `skew` seconds of its expiry, the skew capped at
 * half the token's lifetime: with a skew at least as long as the lifetime, every read would
 * refresh, and spend a rotating refresh token each time.
 */
function isNearExpiry(entry: FileStoreEntry, skew: number): boolean {
  const { expiresAt } = entry.tokenSet
  if (expiresAt === undefined) return false
  const receivedAt = [entry.receivedAt, entry.savedAt].find(
    (value): value is number => typeof value === 'number' && Number.isFinite(value),
  )
  // Without a receipt time (a file written by hand) the lifetime is unknown: the plain skew.
  const lifetime = receivedAt === undefined ? Number.POSITIVE_INFINITY : expiresAt - receivedAt
  return isExpired(entry.tokenSet, { skew: Math.min(skew, Math.max(0, lifetime) / 2) })
}

// Distinct fetch implementations get distinct single-flight keys.
const fetchIds = new WeakMap<typeof fetch, number>()
let nextFetchId = 1
function fetchId(fetchImpl: typeof fetch | undefined): number {
  if (!fetchImpl) return 0
  let id = fetchIds.get(fetchImpl)
  if (id === undefined) {
    id = nextFetchId++
    fetchIds.set(fetchImpl, id)
  }
  return id
}

function assertGetOptions(options: unknown): asserts options is FileStoreGetOptions | undefined {
  if (options === undefined) return
  if (typeof options !== 'object' || options === null) {
    throw invalidArgument('options', 'an object')
  }
  // `fetch` and `allowInsecureRequests`: toHttpOptions() in get().
  const { refresh, skew, signal } = options as Record<string, unknown>
  if (skew !== undefined) {
    if (typeof skew !== 'number') throw invalidArgument('options.skew', 'a number of seconds')
    if (!(Number.isFinite(skew) && skew >= 0)) {
      throw invalidArgument(
        'options.skew',
        'a finite number of seconds, 0 or more',
        'ERR_INVALID_ARG_VALUE',
      )
    }
  }
  if (refresh !== undefined && typeof refresh !== 'boolean') {
    throw invalidArgument('options.refresh', 'a boolean')
  }
  assertSignal(signal)
}

function assertKey(key: unknown): asserts key is FileStoreKey {
  const { issuer, clientId } = (key ?? {}) as Partial<FileStoreKey>
  if (typeof issuer !== 'string' || issuer.length === 0) {
    throw invalidArgument('key.issuer', 'a non-empty string')
  }
  if (typeof clientId !== 'string' || clientId.length === 0) {
    throw invalidArgument('key.clientId', 'a non-empty string')
  }
}

const pickKey = (key: FileStoreKey): FileStoreKey => ({
  issuer: key.issuer,
  clientId: key.clientId,
})
const same = (entry: FileStoreKey, key: FileStoreKey): boolean =>
  entry.issuer === key.issuer && entry.clientId === key.clientId
const find = (entries: FileStoreEntry[], key: FileStoreKey): FileStoreEntry | undefined =>
  entries.find((entry) => same(entry, key))
const without = (entries: FileStoreEntry[], key: FileStoreKey): FileStoreEntry[] =>
  entries.filter((entry) => !same(entry, key))
const nowSeconds = (): number => Math.floor(Date.now() / 1000)

/** The `sub` of the tokens' ID Token, if any, without verifying it. Internal. */
export function subjectOf(tokenSet: TokenSet): string | undefined {
  if (!tokenSet.idToken) return undefined
  try {
    const sub = decodeJwt(tokenSet.idToken).payload.sub
    return typeof sub === 'string' ? sub : undefined
  } catch {
    return undefined
  }
}

function loginRequired(message: string): OAuthKitError {
  return new OAuthKitError(message, { code: 'ERR_LOGIN_REQUIRED' })
}

async function makeDirectory(fs: StoreFs, file: string): Promise<void> {
  const dir = dirname(file)
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 })
  } catch (err) {
    throw storeFailedError(`cannot create the token file's directory ${dir}`, err)
  }
}

async function readEntries(fs: StoreFs, file: string): Promise<FileStoreEntry[]> {
  let text: string
  try {
    text = await fs.readFile(file, 'utf8')
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return []
    throw storeFailedError(`cannot read the token file ${file}`, err)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = undefined
  }
  const entries = (parsed as Partial<TokenFile> | undefined)?.entries
  if ((parsed as Partial<TokenFile> | undefined)?.version !== 1 || !Array.isArray(entries)) {
    // Never echo the content: it holds tokens.
    throw new OAuthKitError(`the token file ${file} is not a version 1 oauthkit token file`, {
      code: 'ERR_STORE_CORRUPT',
    })
  }
  return entries.filter(
    (entry): entry is FileStoreEntry =>
      typeof entry?.issuer === 'string' &&
      typeof entry.clientId === 'string' &&
      typeof entry.tokenSet?.accessToken === 'string',
  )
}

/**
 * Writes to a temporary file in the same directory, flushes it, then renames it over `file`:
 * atomic on POSIX. On any failure the temporary file, which holds tokens, is removed.
 */
async function writeEntries(fs: StoreFs, file: string, entries: FileStoreEntry[]): Promise<void> {
  await makeDirectory(fs, file)
  const body: TokenFile = { version: 1, entries }
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  let handle: Awaited<ReturnType<StoreFs['open']>>
  try {
    handle = await fs.open(temporary, 'wx', 0o600)
  } catch (err) {
    throw storeFailedError(`cannot create a temporary file beside the token file ${file}`, err)
  }
  try {
    try {
      await handle.writeFile(`${JSON.stringify(body, null, 2)}\n`)
      await handle.sync()
    } finally {
      await handle.close()
    }
    // The umask cannot widen 0600, but an explicit chmod also covers odd file systems.
    await fs.chmod(temporary, 0o600)
    await fs.rename(temporary, file)
  } catch (err) {
    await fs.unlink(temporary).catch(() => {})
    throw storeFailedError(`cannot write the token file ${file}`, err)
  }
}
