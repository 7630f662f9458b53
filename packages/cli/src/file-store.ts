import { randomBytes } from 'node:crypto'
import { chmod, mkdir, open, readFile, rename, unlink } from 'node:fs/promises'
import { dirname } from 'node:path'
import {
  createSingleFlight,
  decodeJwt,
  invalidArgument,
  isExpired,
  isOAuthResponseError,
  OAuthKitError,
  OAuthResponseError,
  refreshTokenGrant,
  type TokenSet,
} from '@oauthkit/core'
import { type ConnectionOptions, connect } from './connect.js'
import { defaultTokenFilePath } from './default-token-file-path.js'
import { withFileLock } from './with-file-lock.js'

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
}

/** Options of {@link FileStore.get}. */
export interface FileStoreGetOptions
  extends Pick<ConnectionOptions, 'allowInsecureRequests' | 'fetch'> {
  /** Refresh the access token when it expires within `skew` seconds. Default true. */
  refresh?: boolean
  /** Seconds before expiry at which a token counts as near expiry. Default 30. */
  skew?: number
  /** Cancels a refresh request. */
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
   *   or the server refused the refresh token (the entry is then deleted); other
   *   {@link OAuthKitError}s when the refresh fails and the access token has already expired.
   */
  get(key: FileStoreKey, options?: FileStoreGetOptions): Promise<TokenSet | undefined>
  /** Saves the tokens of `key`, replacing what was there. */
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
  const file = path ?? defaultTokenFilePath()
  const lockPath = `${file}.lock`
  const refreshes = createSingleFlight<string, TokenSet | undefined>()

  // The lock file lives beside the token file, so the directory must exist first.
  const locked = async <T>(task: () => Promise<T>): Promise<T> => {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 })
    return withFileLock(lockPath, task)
  }

  const mutate = <T>(
    change: (entries: FileStoreEntry[]) => { entries?: FileStoreEntry[]; result: T },
  ) =>
    locked(async () => {
      const { entries, result } = change(await readEntries(file))
      if (entries) await writeEntries(file, entries)
      return result
    })

  const refresh = (key: FileStoreKey, options: FileStoreGetOptions | undefined, skew: number) =>
    locked(async () => {
      // Another process may have refreshed while we waited for the lock: read again.
      const current = find(await readEntries(file), key)
      if (!current) return undefined
      if (!isExpired(current.tokenSet, { skew })) return current.tokenSet
      const refreshToken = current.tokenSet.refreshToken
      if (!refreshToken)
        throw loginRequired('the access token has expired and there is no refresh token')
      let tokenSet: TokenSet
      try {
        const context = await connect({ ...options, ...key })
        const subject = subjectOf(current.tokenSet)
        const result = await refreshTokenGrant(context, refreshToken, {
          ...(subject ? { expectedSubject: subject } : {}),
          ...(options?.signal ? { signal: options.signal } : {}),
        })
        tokenSet = result.tokenSet
      } catch (err) {
        if (isOAuthResponseError(err) && err.error === 'invalid_grant') {
          await writeEntries(file, without(await readEntries(file), key))
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
      // Keep the ID Token of the login when a refresh response has none (OIDC Core §12.2).
      if (!tokenSet.idToken && current.tokenSet.idToken) tokenSet.idToken = current.tokenSet.idToken
      const entries = without(await readEntries(file), key)
      entries.push({ ...key, tokenSet, savedAt: nowSeconds() })
      await writeEntries(file, entries)
      return tokenSet
    })

  return {
    path: file,
    async get(key, options) {
      assertKey(key)
      const entry = find(await readEntries(file), key)
      if (!entry) return undefined
      const skew = options?.skew ?? 30
      if (options?.refresh === false || !isExpired(entry.tokenSet, { skew })) return entry.tokenSet
      if (!entry.tokenSet.refreshToken) {
        if (!isExpired(entry.tokenSet)) return entry.tokenSet
        throw loginRequired('the access token has expired and there is no refresh token')
      }
      // One refresh per key in this process; the lock covers other processes.
      return refreshes(`${key.issuer} ${key.clientId}`, () => refresh(key, options, skew))
    },
    async set(key, tokenSet) {
      assertKey(key)
      if (typeof tokenSet?.accessToken !== 'string') {
        throw invalidArgument('tokenSet', 'a TokenSet')
      }
      return mutate((entries) => ({
        entries: [...without(entries, key), { ...pickKey(key), tokenSet, savedAt: nowSeconds() }],
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
      return readEntries(file)
    },
  }
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

function subjectOf(tokenSet: TokenSet): string | undefined {
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

async function readEntries(file: string): Promise<FileStoreEntry[]> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw new OAuthKitError(`cannot read the token file ${file}`, { code: 'ERR_STORE', cause: err })
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

/** Write to a temporary file in the same directory, flush it, then rename: atomic on POSIX. */
async function writeEntries(file: string, entries: FileStoreEntry[]): Promise<void> {
  const dir = dirname(file)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const body: TokenFile = { version: 1, entries }
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  const handle = await open(temporary, 'wx', 0o600)
  try {
    await handle.writeFile(`${JSON.stringify(body, null, 2)}\n`)
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    // The umask cannot widen 0600, but an explicit chmod also covers odd file systems.
    await chmod(temporary, 0o600)
    await rename(temporary, file)
  } catch (err) {
    await unlink(temporary).catch(() => {})
    throw new OAuthKitError(`cannot write the token file ${file}`, {
      code: 'ERR_STORE',
      cause: err,
    })
  }
}
