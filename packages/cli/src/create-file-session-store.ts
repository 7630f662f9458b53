import { randomBytes } from 'node:crypto'
import {
  OAuthKitError,
  type SealedValue,
  type Session,
  type SessionStore,
  type SessionWriteOptions,
} from '@oauthkit/core'
import { invalidArgument } from '@oauthkit/core/internal'
import { sessionLockPath } from './create-file-session-lock.js'
import { storeFailedError } from './store-failed-error.js'
import { errorCode, makeDirectory, nodeStoreFs, type StoreFs } from './store-fs.js'
import { type FileLockOptions, holdsFileLock, withFileLock } from './with-file-lock.js'

/** Which session an entry belongs to: one entry per issuer and client. */
export interface FileStoreKey {
  /** The issuer identifier. */
  issuer: string
  /** The client identifier. */
  clientId: string
}

/**
 * One stored session, as kept in the file: the session engine's `Session` (tokens with their
 * receipt time, the last validated ID Token claims, when the login happened, an ID Token waiting
 * for its signature check) and whose it is.
 */
export interface FileStoreEntry extends FileStoreKey, Session {
  /** When the entry was written, in epoch seconds. */
  savedAt: number
}

/**
 * An entry as the file holds it: a plain session, or, under `createFileStore`'s `encryption`,
 * only its key and the session sealed by core's `createEncryptedStore`.
 */
export type StoredEntry = FileStoreEntry | (FileStoreKey & { savedAt: number; sealed: SealedValue })

/** The file's format: see the package README. */
interface TokenFile {
  version: 1
  entries: StoredEntry[]
}

/**
 * A {@link SessionStore} over the token file, which can also list every entry. It also stores
 * values sealed by `createEncryptedStore` (`SealedValue`), as the entry's `sealed` member.
 */
export interface FileSessionStore extends SessionStore {
  /** The absolute path of the file. */
  readonly path: string
  /** Every entry, as stored (a sealed one with `sealed` in place of the session). */
  list(): Promise<StoredEntry[]>
  /** Deletes the session `name`, and resolves what it removed (read and deleted under one lock). */
  delete(name: string, options?: SessionWriteOptions): Promise<Session | undefined>
}

/**
 * The session engine's name for the session of `key`: the issuer, a space, the client id. An
 * issuer identifier is a URL, which holds no space, so the name splits back at its first one.
 * Internal.
 */
export function sessionName(key: FileStoreKey): string {
  return `${key.issuer} ${key.clientId}`
}

function keyOf(name: string): FileStoreKey {
  const space = name.indexOf(' ')
  if (space <= 0 || space === name.length - 1) {
    throw invalidArgument('key', 'an issuer and a client id separated by a space')
  }
  return { issuer: name.slice(0, space), clientId: name.slice(space + 1) }
}

/**
 * The session engine's store for the token file `file`: one entry per issuer and client. Every
 * change is a read-modify-write of the whole file under a short lock of its own (`<file>.lock`),
 * so writers of different sessions never lose each other's entries, written to a `0600`
 * temporary file that is then renamed over the old one (a crash never leaves half a file). A
 * write made holding a session lock (`options.lock`) happens only while that lock is still ours,
 * checked under the file's lock: a holder that stalled and was taken over cannot overwrite what
 * its successor saved. With `sealed`, it keeps values sealed by `createEncryptedStore` (put around
 * it) as they are; without, a sealed entry reads as absent. Internal.
 */
export function createFileSessionStore(
  file: string,
  options: Omit<FileLockOptions, 'signal'> & { sealed?: boolean } = {},
): FileSessionStore {
  const { sealed = false, ...lockOptions } = options
  const fs = options.fs ?? nodeStoreFs

  const mutate = async (
    name: string,
    change: (entries: StoredEntry[], key: FileStoreKey) => StoredEntry[],
    writeOptions?: SessionWriteOptions,
  ): Promise<StoredEntry | undefined> => {
    const key = keyOf(name)
    await makeDirectory(fs, file)
    return withFileLock(
      `${file}.lock`,
      async () => {
        const held = writeOptions?.lock
        if (
          held?.token &&
          !(await holdsFileLock(sessionLockPath(file, held.name), held.token, fs))
        ) {
          throw new OAuthKitError('lost the session lock: another process took it over', {
            code: 'ERR_STORE_LOCKED',
          })
        }
        const entries = await readEntries(fs, file)
        await writeEntries(fs, file, change(entries, key))
        return find(entries, key)
      },
      { ...lockOptions, fs },
    )
  }

  return {
    path: file,
    async get(name) {
      const entry = find(await readEntries(fs, file), keyOf(name))
      return entry && storedValue(entry, sealed)
    },
    async set(name, session, writeOptions) {
      const value = isSealedValue(session) ? { sealed: session } : toSession(session)
      await mutate(
        name,
        (entries, key) => [
          ...without(entries, key),
          { ...key, ...value, savedAt: Math.floor(Date.now() / 1000) },
        ],
        writeOptions,
      )
    },
    async delete(name, writeOptions) {
      const removed = await mutate(name, (entries, key) => without(entries, key), writeOptions)
      return removed && storedValue(removed, sealed)
    },
    list() {
      return readEntries(fs, file)
    },
  }
}

// Only the session's own members reach the file, in the order they came.
const SESSION_MEMBERS = new Set<string>(['tokenSet', 'claims', 'since', 'pendingIdToken'])
function toSession(value: Session): Session {
  return Object.fromEntries(
    Object.entries(value).filter(([name, member]) => SESSION_MEMBERS.has(name) && member != null),
  ) as unknown as Session
}

// What the session engine (or the encrypted store around this one) stored for an entry. A sealed
// one reads as absent to a store that does not open them: like a value sealed with an unknown
// key, it is not a session this store can use.
function storedValue(entry: StoredEntry, sealed: boolean): Session | undefined {
  if (!('sealed' in entry)) return toSession(entry)
  return sealed ? (entry.sealed as never) : undefined
}

function isSealedValue(value: unknown): value is SealedValue {
  return typeof value === 'object' && value !== null && 'oauthkit_sealed' in value
}

const same = (entry: FileStoreKey, key: FileStoreKey): boolean =>
  entry.issuer === key.issuer && entry.clientId === key.clientId
const find = (entries: StoredEntry[], key: FileStoreKey): StoredEntry | undefined =>
  entries.find((entry) => same(entry, key))
const without = (entries: StoredEntry[], key: FileStoreKey): StoredEntry[] =>
  entries.filter((entry) => !same(entry, key))

async function readEntries(fs: StoreFs, file: string): Promise<StoredEntry[]> {
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
  return entries
    .filter(
      (entry): entry is StoredEntry & { receivedAt?: unknown } =>
        typeof entry?.issuer === 'string' &&
        typeof entry.clientId === 'string' &&
        ('sealed' in entry
          ? isSealedValue(entry.sealed)
          : typeof entry.tokenSet?.accessToken === 'string'),
    )
    .map(({ receivedAt, ...entry }) => {
      // Files written before TokenSet.receivedAt kept it beside the tokens, or only `savedAt`.
      if ('sealed' in entry || typeof entry.tokenSet.receivedAt === 'number') return entry
      const known = [receivedAt, entry.savedAt].find(
        (value): value is number => typeof value === 'number' && Number.isFinite(value),
      )
      return known === undefined
        ? entry
        : { ...entry, tokenSet: { ...entry.tokenSet, receivedAt: known } }
    })
}

/**
 * Writes to a temporary file in the same directory, flushes it, then renames it over `file`:
 * atomic on POSIX. On any failure the temporary file, which holds tokens, is removed.
 */
async function writeEntries(fs: StoreFs, file: string, entries: StoredEntry[]): Promise<void> {
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
