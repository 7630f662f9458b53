import {
  type ClientContext,
  createEncryptedStore,
  createSessionEngine,
  decodeJwt,
  type EncryptedStoreOptions,
  isExpired,
  isOAuthResponseError,
  type OAuthKitError,
  refreshTokenGrant,
  revokeToken,
  type Session,
  type SessionEngine,
  type TokenSet,
  toOAuthKitError,
  verifyIdToken,
} from '@oauthkit/core'
import { abortError, invalidArgument, renameArgument, toHttpOptions } from '@oauthkit/core/internal'
import { assertOptionalFunction, assertSignal, type ConnectionOptions, connect } from './connect.js'
import { createFileSessionLock } from './create-file-session-lock.js'
import {
  createFileSessionStore,
  type FileSessionStore,
  type FileStoreEntry,
  type FileStoreKey,
  sessionName,
} from './create-file-session-store.js'
import { defaultTokenFilePath } from './default-token-file-path.js'
import type { StoreFs } from './store-fs.js'
import type { FileLockOptions } from './with-file-lock.js'

export type { FileStoreEntry, FileStoreKey } from './create-file-session-store.js'

/** How the store reaches the authorization server, for the calls that may need to. */
export interface FileStoreConnectionOptions
  extends Pick<ConnectionOptions, 'allowInsecureRequests' | 'fetch'> {
  /**
   * Milliseconds each request may take (discovery, the token request, the JWKS, a revocation).
   * Default 30 000.
   */
  timeout?: number
}

/** Options of {@link FileStore.get}. */
export interface FileStoreGetOptions extends FileStoreConnectionOptions {
  /**
   * Refresh the access token when it is due (core's `refreshAt`: 60 seconds before expiry, at most
   * half its lifetime). Default true.
   */
  refresh?: boolean
  /** Refresh even though the access token looks fresh (a resource server refused it). */
  forceRefresh?: boolean
  /**
   * Stops this call's wait. A refresh already under way goes on: its answer is saved whoever
   * stopped waiting, since the server may have rotated the refresh token.
   */
  signal?: AbortSignal
}

/** Options of {@link FileStore.end}. */
export interface FileStoreEndOptions extends FileStoreConnectionOptions {
  /** Stops waiting for a refresh in flight and for the revocations; the entry is deleted anyway. */
  signal?: AbortSignal
}

/** What {@link FileStore.end} did. */
export interface FileStoreEndResult {
  /** The tokens that were stored when it was called; `undefined` when there were none. */
  tokenSet?: TokenSet
  /**
   * Whether every token removed was revoked (RFC 7009). False when there was nothing to revoke,
   * the server has no revocation endpoint, or a revocation failed (then `error` says why).
   */
  revoked: boolean
  /** Why a revocation failed. The tokens are forgotten all the same. */
  error?: OAuthKitError
}

/** Options of {@link createFileStore}. */
export interface FileStoreOptions {
  /**
   * Told about problems worked around without failing the call: a token file that could not be
   * written after a refresh (the new tokens are still returned), a discarded refresh token that
   * could not be revoked.
   */
  onError?: (error: OAuthKitError) => void
  /**
   * Encrypts each entry's session (its tokens and claims) in the file with core's
   * `createEncryptedStore`, under AES-GCM keys the application supplies: the file then holds
   * the issuer, client id and ciphertext. Against a copied disk or a backup, not against code
   * running as the user, which can read the key as well. An entry sealed with a key not given
   * here (or any entry, when this is not set) reads as absent, like a plain one unless
   * `acceptPlaintext`.
   */
  encryption?: EncryptedStoreOptions
}

/** A token store in one JSON file, shared by every oauthkit command and library user. */
export interface FileStore {
  /** The absolute path of the file. */
  readonly path: string
  /**
   * The tokens of `key`, refreshed first (and written back) when the access token is due and
   * there is a refresh token. `undefined` when there is no entry.
   *
   * @throws `ERR_LOGIN_REQUIRED` when the access token has expired and there is no refresh token,
   *   or the server refused the stored refresh token (the entry is then deleted); `ERR_STORE_FAILED`
   *   when the file cannot be read; other {@link OAuthKitError}s when the refresh fails and the
   *   access token has already expired.
   */
  get(key: FileStoreKey, options?: FileStoreGetOptions): Promise<TokenSet | undefined>
  /**
   * Saves the tokens of `key` (a login), replacing what was there. Their receipt time is
   * `tokenSet.receivedAt`, or now.
   */
  set(key: FileStoreKey, tokenSet: TokenSet): Promise<void>
  /** Forgets `key`, without revoking anything. Resolves `true` when there was an entry. */
  delete(key: FileStoreKey): Promise<boolean>
  /**
   * Logs out of `key`: deletes the entry at once, then, once a refresh in flight (in any
   * process) is done, deletes what it wrote too, and revokes every refresh token removed and the
   * access token, where the server has a revocation endpoint (RFC 7009).
   *
   * @throws `ERR_STORE_FAILED` when the file cannot be read or written.
   */
  end(key: FileStoreKey, options?: FileStoreEndOptions): Promise<FileStoreEndResult>
  /** Every entry, as stored: nothing is refreshed. */
  list(): Promise<FileStoreEntry[]>
}

/**
 * Creates a store that keeps tokens in the file `path` (by default {@link defaultTokenFilePath}),
 * one entry per issuer and client, and refreshes them with core's session engine. The file is
 * created with mode `0600` in a directory with mode `0700`, and every write goes to a temporary
 * file that is then renamed over the old one, so a crash never leaves a half-written file.
 * Refreshes across processes take a lock file per session, so one rotating refresh token is never
 * spent twice; a refresh that was sent is always finished and saved, even when its caller left.
 *
 * @param path - The token file; default {@link defaultTokenFilePath}.
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-8.6
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 * @example
 * ```ts
 * const store = createFileStore()
 * await store.set({ issuer, clientId }, tokenSet)
 * const fresh = await store.get({ issuer, clientId }) // refreshed when due
 * await store.end({ issuer, clientId }) // logout: forgotten and revoked
 * ```
 */
export function createFileStore(path?: string, options?: FileStoreOptions): FileStore {
  if (path !== undefined && (typeof path !== 'string' || path.length === 0)) {
    throw invalidArgument('path', 'a non-empty string')
  }
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw invalidArgument('options', 'an object')
  }
  assertOptionalFunction(options?.onError, 'options.onError')
  return openFileStore(path ?? defaultTokenFilePath(), {
    onError: options?.onError,
    encryption: options?.encryption,
  })
}

/** Internals a test may replace. */
export interface FileStoreInternals extends FileStoreOptions {
  /** The file system. */
  fs?: StoreFs
  /** Options of the lock files, for tests of their timing. */
  lock?: Omit<FileLockOptions, 'signal' | 'fs'>
}

/** {@link createFileStore} with its file system injected. Internal: for tests. */
export function openFileStore(file: string, internals: FileStoreInternals = {}): FileStore {
  const { fs, onError, encryption } = internals
  const fileSessions = createFileSessionStore(file, { ...internals.lock, fs, sealed: !!encryption })
  const sessions = encryption ? encrypted(fileSessions, encryption) : fileSessions
  const lockFor = (requestTimeout?: number) =>
    createFileSessionLock(file, {
      ...internals.lock,
      fs,
      ...(requestTimeout === undefined ? {} : { requestTimeout }),
    })
  const locks = lockFor()

  /** An engine per way of reaching the server, so that each caller's fetch is the one used. */
  const engines = new Map<string, SessionEngine>()
  const engineFor = (connection: FileStoreConnectionOptions, key: FileStoreKey) => {
    const id = [
      key.issuer,
      key.clientId,
      connection.allowInsecureRequests === true,
      fetchId(connection.fetch),
      connection.timeout,
    ].join('\n')
    let engine = engines.get(id)
    if (!engine) {
      const server = serverOf(key, connection)
      engine = createSessionEngine({
        store: sessions,
        lock: lockFor(connection.timeout),
        request: async (current) => {
          // The engine asks only with a stored session that has a refresh token.
          const refreshToken = current?.tokenSet.refreshToken as string
          // A refreshed ID Token must name the same user, and keep what OIDC Core §12.2 says.
          return refreshTokenGrant(await server.context(), refreshToken, {
            expectedSubject: current && subjectOf(current),
            previousClaims: current?.claims,
          })
        },
        revoke: server.revokeRefreshToken,
        verifyIdToken: async (idToken, session) =>
          verifyIdToken(await server.context(), idToken, { expectedSubject: subjectOf(session) }),
        ...(onError ? { onError } : {}),
      })
      engines.set(id, engine)
    }
    return engine
  }

  return {
    path: file,
    async get(key, options) {
      assertKey(key)
      assertGetOptions(options)
      const connection = connectionOf(options)
      const signal = options?.signal
      if (signal?.aborted) throw abortError(signal, 'reading the token file')
      const name = sessionName(key)
      // Read here first: a file that cannot be read fails the call, and no entry is `undefined`.
      const session = await sessions.get(name)
      if (!session) return undefined
      if (options?.refresh === false) return session.tokenSet
      const engine = engineFor(connection, key)
      const forceRefresh = options?.forceRefresh === true
      return (await engine.get(name, { forceRefresh, ...(signal ? { signal } : {}) })).tokenSet
    },
    async set(key, tokenSet) {
      assertKey(key)
      if (typeof tokenSet?.accessToken !== 'string') {
        throw invalidArgument('tokenSet', 'a TokenSet')
      }
      const name = sessionName(key)
      const session: Session = {
        tokenSet: { ...tokenSet, receivedAt: tokenSet.receivedAt ?? Math.floor(Date.now() / 1000) },
        since: Date.now(),
      }
      // Under the session's lock, and failing loudly: a login must not report tokens it lost.
      await locks.run(name, (held) => sessions.set(name, session, { lock: held }))
    },
    async delete(key) {
      assertKey(key)
      const name = sessionName(key)
      return locks.run(name, async (held) => {
        if (!(await sessions.get(name))) return false
        await sessions.delete(name, { lock: held })
        return true
      })
    },
    async end(key, options) {
      assertKey(key)
      assertEndOptions(options)
      const connection = connectionOf(options)
      const signal = options?.signal
      const server = serverOf(key, connection, signal)
      const revocations: Promise<void>[] = []
      const revoke = (refreshToken: string) => {
        const revoking = server.revokeRefreshToken(refreshToken)
        revocations.push(revoking)
        return revoking
      }
      const storeErrors: OAuthKitError[] = []
      // An engine of its own, whose revocations this call waits for and reports.
      const engine = createSessionEngine({
        // The file store's delete resolves what it removed: the engine revokes a refresh token
        // that a refresh in another process saved between its read and its delete.
        store: sessions,
        lock: lockFor(connection.timeout),
        request: () => Promise.reject(new Error('a logout never requests tokens')),
        revoke,
        onError: (error) => {
          if (error.code.startsWith('ERR_STORE')) storeErrors.push(error)
        },
      })
      const removed = await engine.end(sessionName(key), signal ? { signal } : undefined)
      const accessToken = removed && !isExpired(removed.tokenSet) && removed.tokenSet.accessToken
      if (accessToken) revocations.push(server.revokeAccessToken(accessToken))
      const outcomes = await Promise.allSettled(revocations)
      // The tokens could not be read or deleted: the user must know they may still be there.
      const [storeError] = storeErrors
      if (storeError) throw storeError.cause instanceof Error ? storeError.cause : storeError
      if (!removed) return { revoked: false }
      const failed = outcomes.find((outcome) => outcome.status === 'rejected')
      if (failed) {
        return { tokenSet: removed.tokenSet, revoked: false, error: toKitError(failed.reason) }
      }
      return { tokenSet: removed.tokenSet, revoked: revocations.length > 0 && server.revokes() }
    },
    async list() {
      const entries = await fileSessions.list()
      if (!encryption) return entries as FileStoreEntry[]
      // Each entry as `get` reads it: opened, and left out when it does not open.
      const opened = await Promise.all(
        entries.map(async ({ issuer, clientId, savedAt }) => {
          const session = await sessions.get(sessionName({ issuer, clientId }))
          return session && { issuer, clientId, ...session, savedAt }
        }),
      )
      return opened.filter((entry) => entry !== undefined)
    },
  }
}

// Checks the options here, before any file is touched, naming them as the caller did.
function encrypted<S extends FileSessionStore>(store: S, options: EncryptedStoreOptions): S {
  if (typeof options !== 'object' || options === null) {
    throw invalidArgument('options.encryption', 'an object')
  }
  try {
    return createEncryptedStore(store, options)
  } catch (err) {
    throw renameArgument(err, '"options.', '"options.encryption.')
  }
}

/**
 * The server of `key`, discovered once when first needed (and again after a failure), with the
 * revocations the store makes. A server without a revocation endpoint is not an error: nothing
 * can be revoked there.
 */
function serverOf(key: FileStoreKey, connection: FileStoreConnectionOptions, signal?: AbortSignal) {
  let discovered: Promise<ClientContext> | undefined
  const context = () => {
    discovered ??= connect({ ...connection, ...key }, signal).catch((err: unknown) => {
      discovered = undefined
      throw err
    })
    return discovered
  }
  let unsupported = false
  const revoke = async (token: string, tokenTypeHint: 'refresh_token' | 'access_token') => {
    const client = await context()
    if (!client.metadata.revocation_endpoint) {
      unsupported = true
      return
    }
    await revokeToken(client, token, { tokenTypeHint, ...(signal ? { signal } : {}) }).catch(
      (err: unknown) => {
        // RFC 7009 §2.2.1: a server that cannot revoke this kind of token says so; a JWT access
        // token (one for an API, --resource) then simply lives until it expires.
        if (!(isOAuthResponseError(err) && err.error === 'unsupported_token_type')) throw err
      },
    )
  }
  return {
    context,
    revokeRefreshToken: (token: string) => revoke(token, 'refresh_token'),
    revokeAccessToken: (token: string) => revoke(token, 'access_token'),
    /** False once a revocation found that the server has no revocation endpoint. */
    revokes: () => !unsupported,
  }
}

function toKitError(err: unknown): OAuthKitError {
  return toOAuthKitError(err) as OAuthKitError
}

function connectionOf(options: FileStoreConnectionOptions | undefined): FileStoreConnectionOptions {
  const http = toHttpOptions(
    {
      fetch: options?.fetch,
      allowInsecureRequests: options?.allowInsecureRequests,
      timeout: options?.timeout,
    },
    'options',
  )
  return {
    ...(http.fetch ? { fetch: http.fetch } : {}),
    ...(http.allowInsecureRequests ? { allowInsecureRequests: true } : {}),
    ...(http.timeout === undefined ? {} : { timeout: http.timeout }),
  }
}

// Distinct fetch implementations get distinct engines.
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
  // `fetch`, `allowInsecureRequests` and `timeout`: toHttpOptions() in connectionOf().
  const { refresh, forceRefresh, signal } = options as Record<string, unknown>
  for (const [name, value] of [
    ['refresh', refresh],
    ['forceRefresh', forceRefresh],
  ] as const) {
    if (value !== undefined && typeof value !== 'boolean') {
      throw invalidArgument(`options.${name}`, 'a boolean')
    }
  }
  assertSignal(signal)
}

function assertEndOptions(options: unknown): asserts options is FileStoreEndOptions | undefined {
  if (options === undefined) return
  if (typeof options !== 'object' || options === null) {
    throw invalidArgument('options', 'an object')
  }
  assertSignal((options as Record<string, unknown>).signal)
}

function assertKey(key: unknown): asserts key is FileStoreKey {
  const { issuer, clientId } = (key ?? {}) as Partial<FileStoreKey>
  if (typeof issuer !== 'string' || issuer.length === 0 || /\s/.test(issuer)) {
    throw invalidArgument('key.issuer', 'a non-empty string without spaces')
  }
  if (typeof clientId !== 'string' || clientId.length === 0) {
    throw invalidArgument('key.clientId', 'a non-empty string')
  }
}

/**
 * The `sub` of a session: its validated claims', or else that of its ID Token, decoded without
 * verifying it (a token set saved by hand). Internal.
 */
export function subjectOf(session: Pick<Session, 'tokenSet' | 'claims'>): string | undefined {
  if (typeof session.claims?.sub === 'string') return session.claims.sub
  const { idToken } = session.tokenSet
  if (!idToken) return undefined
  try {
    const sub = decodeJwt(idToken).payload.sub
    return typeof sub === 'string' ? sub : undefined
  } catch {
    return undefined
  }
}
