import type { webcrypto } from 'node:crypto'
import {
  type AuthorizationRequest,
  type AuthorizationTransaction,
  type AuthorizationUrlParameters,
  authorizationCodeGrant,
  buildAuthorizationUrl,
  type ClientAuthMethod,
  type ClientContext,
  clientCredentialsGrant,
  buildEndSessionUrl as coreBuildEndSessionUrl,
  createClientAuth,
  createClientContext,
  createDPoPHandle,
  createJweDecryptor,
  createMemorySessionStore,
  createProcessLock,
  createSessionEngine,
  type DecryptionKey,
  type DPoPHandle,
  discover,
  type EndSessionParameters,
  type FetchUserInfoOptions,
  fetchUserInfo,
  type IntrospectionResponse,
  type IntrospectTokenOptions,
  introspectToken,
  type OAuthKitError,
  observeSessionEvents,
  type PrivateJwk,
  type RefreshTokenGrantOptions,
  type RevokeTokenOptions,
  refreshTokenGrant,
  resolveClientAuthMethod,
  revokeToken,
  type ServerMetadata,
  type Session,
  type SessionEngine,
  type SessionEngineOptions,
  type SessionGetOptions,
  type SessionLock,
  type SessionStore,
  type TokenSet,
  type UserInfo,
  verifyIdToken,
  withJweDecryption,
  withSessionTtl,
} from '@oauthkit/core'
import {
  assertIssuer,
  invalidArgument,
  isCryptoKey,
  lockOf,
  nextSession,
  renameArgument,
} from '@oauthkit/core/internal'
import { assertMetadata } from './assert-metadata.js'
import { assertPrivateJwk } from './assert-private-jwk.js'
import { createClientCredentialsCache } from './client-credentials-cache.js'
import { publishSessionEvents } from './node-diagnostics.js'
import { numberOption } from './number-option.js'
import { toHttpOptions } from './to-http-options.js'

/** Options of {@link createServerClient}. */
export interface ServerClientOptions {
  /** The authorization server's issuer identifier; its metadata is discovered on first use. */
  issuer: string | URL
  /** The client identifier (RFC 6749 §2.2). */
  clientId: string
  /** The client secret, for `client_secret_basic` (the default with a secret) or `client_secret_post`. */
  clientSecret?: string
  /** The private key for `private_key_jwt` (RFC 7523 §2.2): a `CryptoKey` or a private JWK. */
  privateKey?: webcrypto.CryptoKey | PrivateJwk
  /** The `kid` put in `private_key_jwt` assertions; defaults to the JWK's `kid`. */
  keyId?: string
  /**
   * How the client authenticates at the token endpoint (RFC 6749 §2.3). Default
   * `client_secret_basic` with a `clientSecret`, `private_key_jwt` with a `privateKey`.
   */
  clientAuthMethod?: ClientAuthMethod
  /** A Fetch API implementation; defaults to the global `fetch`. */
  fetch?: typeof fetch
  /**
   * Milliseconds before any one request fails with `ERR_TIMEOUT`: a whole number from 1 to
   * 2 147 483 647. Default 30 000.
   */
  timeout?: number
  /** Response bodies above this many bytes are refused (`ERR_RESPONSE_TOO_LARGE`). Default 1 MiB. */
  maxResponseBytes?: number
  /**
   * Allows an `http:` issuer and endpoints. Lowers security: for local development and tests only.
   * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.6
   */
  allowInsecureRequests?: boolean
  /** Seconds of clock difference tolerated when checking ID Tokens, at least 0. Default 5. */
  clockTolerance?: number
  /**
   * Server metadata to use instead of discovering it. Its `issuer` must be the `issuer` option
   * exactly, as discovery would require.
   */
  metadata?: ServerMetadata
  /** The client-credentials token cache. */
  tokenCache?: TokenCacheOptions
  /**
   * The client's private keys for what the server encrypts to it (OIDC Core §10.2, RFC 9701 §5):
   * ID Tokens (`id_token_encrypted_response_alg`/`enc` in the client's registration), JWT
   * UserInfo and introspection responses. Each a private JWK carrying its `alg` (and `kid`), or
   * `{ key, alg, kid? }` with a `CryptoKey`; the public halves go in the client's registered
   * `jwks`. Accepted: RSA-OAEP-256, ECDH-ES, ECDH-ES+A128KW/A256KW with A128GCM/A256GCM; the JWE
   * must hold a signed JWT, whose signature is then checked against the issuer's keys. `jose` is
   * loaded on the first encrypted response only.
   */
  decryptionKeys?: (DecryptionKey | PrivateJwk)[]
  /** Server-side sessions: {@link ServerClient.getSession} and its siblings. */
  sessions?: SessionOptions
  /**
   * Sender-constrained tokens (RFC 9449): every token request (code exchange, refresh, client
   * credentials) and revocation, UserInfo and PAR request carries a DPoP proof, so the server
   * issues `token_type: DPoP` access tokens bound to the key (`cnf.jkt`, §6); a `use_dpop_nonce`
   * answer is retried once with the server's nonce (§8). `true` generates an ES256 (P-256) key
   * pair with a non-extractable private key in this process; or pass a `CryptoKeyPair` (its
   * public key extractable), for example one imported from a private JWK all the processes of a
   * fleet share: a token is usable only with the key it was bound to, so the process that
   * refreshes a session, or calls the API with its token, must hold the same key.
   *
   * @see https://www.rfc-editor.org/rfc/rfc9449
   */
  dpop?: boolean | webcrypto.CryptoKeyPair
}

/** Options of server-side sessions. */
export interface SessionOptions {
  /**
   * Where sessions live. Default: this process's memory (`createMemorySessionStore`); a fleet
   * shares one, for example `@oauthkit/redis`.
   */
  store?: SessionStore
  /**
   * Serialises refreshes of one session. Default: the store's own `lock` when it has one (as
   * `@oauthkit/redis`'s store does), otherwise within this process.
   */
  lock?: SessionLock
  /** Problems worked around without failing a call: a store that failed, a revocation refused. */
  onError?: (error: OAuthKitError) => void
  /**
   * Seconds the store keeps a session after its last write (each refresh writes it again), so an
   * abandoned session does not stay in the store for ever. Default: until `endSession`.
   */
  ttl?: number
}

/** Options of the client-credentials token cache. Durations in seconds. */
export interface TokenCacheOptions {
  /** Where tokens are cached. Default: this process's memory (`createMemorySessionStore`). */
  store?: SessionStore
  /**
   * Serialises token requests across the processes sharing `store`. Default: the store's own
   * `lock` when it has one (as `@oauthkit/redis`'s store does), otherwise within this process.
   */
  lock?: SessionLock
  /**
   * Renew a token this many seconds before it expires, but never before half its lifetime has
   * passed (a token issued for 30 seconds is renewed after 15). Default 60 (see `refreshAt`).
   */
  refreshAhead?: number
  /**
   * After a refused credential (`invalid_client`, `unauthorized_client`, `invalid_scope`, ...)
   * the same error is returned for this long without asking the server again; after any failed
   * ahead-of-expiry renewal, the next one waits this long. Default 10.
   */
  failureCooldown?: number
  /** Cache lifetime of a token issued without `expires_in`. Default 300. */
  defaultTtl?: number
  /**
   * Told of problems worked around: a store that failed (`ERR_STORE_FAILED`; the token in this
   * process's memory is used meanwhile, so a failing store never becomes a request per call).
   */
  onError?: (error: OAuthKitError) => void
  /** The clock, epoch milliseconds. For tests. */
  now?: () => number
}

/** Parameters of {@link ServerClient.clientCredentials}. */
export interface ClientCredentialsOptions {
  /** Space-separated scopes. */
  scope?: string
  /** RFC 8707 resource indicator(s) of the API the token is for. */
  resource?: string | string[]
  /** Ends this caller's wait (the shared request continues for the other waiters). */
  signal?: AbortSignal
}

/** Options of {@link ServerClient.authorizationCodeGrant}. */
export interface ServerAuthorizationCodeGrantOptions {
  /** Cancels the token request. */
  signal?: AbortSignal
}

/** Parameters of {@link ServerClient.buildEndSessionUrl}. */
export interface ServerEndSessionParameters extends EndSessionParameters {
  /** Cancels the discovery this may need. */
  signal?: AbortSignal
}

/** A confidential client for backends, from {@link createServerClient}. */
export interface ServerClient {
  /** The issuer identifier given to {@link createServerClient}. */
  readonly issuer: string
  /** The client identifier. */
  readonly clientId: string
  /** The authorization server's metadata (discovered and cached on first use). */
  metadata(options?: { signal?: AbortSignal }): Promise<ServerMetadata>
  /**
   * An access token for the client itself (RFC 6749 §4.4), cached per (client, scope, resource):
   * renewed ahead of expiry, one request per key under any concurrency, the cached token kept
   * while renewal fails, a failure delivered to every waiter and retried by the next call.
   *
   * @throws {@link OAuthResponseError} (`invalid_client`, ...), `ERR_TIMEOUT`, `ERR_NETWORK`,
   *   `ERR_RESPONSE_TOO_LARGE`, `ERR_INVALID_RESPONSE` and oauth4webapi codes.
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
   */
  clientCredentials(options?: ClientCredentialsOptions): Promise<TokenSet>
  /** Drops the cached client-credentials token for `options`, e.g. after an API refused it. */
  invalidateClientCredentials(options?: Omit<ClientCredentialsOptions, 'signal'>): Promise<void>
  /**
   * Builds an authorization request with PKCE S256, `state` and (for `openid`) `nonce`. Keep
   * `transaction` server-side (for example in an encrypted session) until the callback.
   *
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
   */
  buildAuthorizationUrl(parameters: AuthorizationUrlParameters): Promise<AuthorizationRequest>
  /**
   * Checks the callback (`state`, RFC 9207 `iss`, no front-channel tokens), exchanges the code
   * with PKCE and validates the ID Token. The result is a plain, JSON-serialisable
   * {@link Session}: the tokens and the validated ID Token claims, ready for any session store
   * (a database, an encrypted cookie, {@link ServerClient.saveSession}).
   *
   * @throws `ERR_STATE_MISMATCH`, {@link OAuthResponseError}, oauth4webapi codes.
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
   */
  authorizationCodeGrant(
    callbackUrl: string | URL,
    transaction: AuthorizationTransaction,
    options?: ServerAuthorizationCodeGrantOptions,
  ): Promise<Session>
  /**
   * Exchanges a refresh token (RFC 6749 §6) and gives the next {@link Session}. Given a session
   * rather than a bare refresh token, a refreshed ID Token must name the same subject (OIDC Core
   * §12.2), and the claims and ID Token are kept when the response has none. The old refresh
   * token is kept when the server did not rotate it. When the issuer's keys are out of reach the
   * new tokens are returned all the same (the server may have rotated the refresh token) with
   * the new ID Token in `pendingIdToken` and the previous claims.
   */
  refreshTokenGrant(
    refreshTokenOrSession: string | Session,
    options?: RefreshTokenGrantOptions,
  ): Promise<Session>
  /**
   * Stores a session (the result of {@link ServerClient.authorizationCodeGrant}) under `id` in
   * the sessions store. Choose ids that are unguessable, or derived from one (a hash of the
   * session cookie): the store's keys may be logged.
   */
  saveSession(id: string, session: Session): Promise<void>
  /**
   * The session stored under `id`, refreshed first when its access token is due (the session
   * engine: one refresh at a time per session, across processes with a shared store and lock).
   *
   * @throws `ERR_LOGIN_REQUIRED` when there is no session, or its refresh token was refused.
   */
  getSession(id: string, options?: SessionGetOptions): Promise<Session>
  /**
   * Ends the session stored under `id`: removes it, and revokes its refresh token (and one a
   * concurrent refresh obtained) where the server has a revocation endpoint. Resolves the
   * session that was stored.
   */
  endSession(id: string): Promise<Session | undefined>
  /** Revokes a token (RFC 7009). */
  revokeToken(token: string, options?: RevokeTokenOptions): Promise<void>
  /** Introspects a token (RFC 7662). */
  introspectToken(token: string, options?: IntrospectTokenOptions): Promise<IntrospectionResponse>
  /** Fetches the UserInfo claims (OIDC Core §5.3). */
  fetchUserInfo(accessToken: string, options?: FetchUserInfoOptions): Promise<UserInfo>
  /**
   * Builds the RP-initiated logout URL (OIDC RP-Initiated Logout §2). Needs the server's
   * metadata, so it may discover it first.
   *
   * @throws `ERR_UNSUPPORTED` when the server has no `end_session_endpoint`.
   */
  buildEndSessionUrl(parameters?: ServerEndSessionParameters): Promise<URL>
  /**
   * The DPoP handle (RFC 9449) the client's requests sign their proofs with, `undefined` without
   * the `dpop` option. Requests to resource servers use it through oauth4webapi's
   * `protectedResourceRequest`, which adds `ath` (§7) and keeps each server's nonce (§9).
   */
  dpopHandle(): Promise<DPoPHandle | undefined>
}

/**
 * Creates a confidential client for a backend. Nothing happens on the network until the first
 * call, which discovers the issuer's metadata (cached per issuer).
 *
 * @throws `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` naming the bad option.
 * @example
 * ```ts
 * const client = createServerClient({ issuer, clientId: 'service', clientSecret })
 * const { accessToken } = await client.clientCredentials({ scope: 'api:read' })
 * ```
 */
export function createServerClient(options: ServerClientOptions): ServerClient {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object')
  const http = toHttpOptions(options)
  const issuerUrl = assertIssuer(options.issuer, {
    allowInsecureRequests: http.allowInsecureRequests === true,
  })
  if (typeof options.clientId !== 'string' || options.clientId === '') {
    throw invalidArgument('clientId', 'a non-empty string')
  }
  const { privateKey, keyId } = options
  if (keyId !== undefined && (typeof keyId !== 'string' || keyId === '')) {
    throw invalidArgument('keyId', 'a non-empty string')
  }
  const authOptions = {
    clientSecret: options.clientSecret,
    privateKey,
    keyId,
    method: options.clientAuthMethod,
  }
  resolveClientAuthMethod(authOptions)
  // Core checked kty, d and the algorithm; Node parses the rest now rather than at the first call.
  if (privateKey !== undefined && !isCryptoKey(privateKey)) assertPrivateJwk(privateKey)
  const issuer = typeof options.issuer === 'string' ? options.issuer : issuerUrl.href
  const clientId = options.clientId
  const clockTolerance =
    numberOption(options.clockTolerance, 'clockTolerance', 'a number of seconds ≥ 0', {
      min: 0,
    }) ?? 5
  const fixedMetadata = options.metadata
  if (fixedMetadata !== undefined) assertMetadata(fixedMetadata, issuer)
  const cacheOptions = tokenCacheOptions(options.tokenCache)
  const sessionOptions = checkSessionOptions(options.sessions)
  const decryptor = decryptorOf(options.decryptionKeys)
  const dpopOption = checkDPoP(options.dpop)
  // Generating a key is async and a factory stays sync: it starts here, once; the handle (and so
  // the key) then stays the same for the client's life, as its bound tokens need.
  const dpop: Promise<DPoPHandle> | undefined =
    dpopOption === undefined
      ? undefined
      : (dpopOption === true ? generateDPoPKeyPair() : Promise.resolve(dpopOption)).then(
          (keyPair) => createDPoPHandle(keyPair as Parameters<typeof createDPoPHandle>[0]),
        )
  // A refused key surfaces at the first call that needs it, not as an unhandled rejection.
  dpop?.catch(() => {})

  // Importing a private JWK is async and a factory stays sync, so the import starts here and is
  // normally done by the first call. One that failed is not kept: the next call imports again.
  let clientAuth: ReturnType<typeof createClientAuth> | undefined
  const importClientAuth = (): ReturnType<typeof createClientAuth> => {
    const pending = createClientAuth(authOptions)
    clientAuth = pending
    pending.catch(() => {
      if (clientAuth === pending) clientAuth = undefined
    })
    return pending
  }
  importClientAuth()
  const metadata = (signal?: AbortSignal): Promise<ServerMetadata> =>
    fixedMetadata
      ? Promise.resolve(fixedMetadata)
      : discover(options.issuer, signal ? { ...http, signal } : http)
  const context = async (signal?: AbortSignal): Promise<ClientContext> => {
    // The key first: a key WebCrypto refuses fails the call before any request goes out.
    const auth = await (clientAuth ?? importClientAuth())
    const ctx = createClientContext({
      metadata: await metadata(signal),
      clientId,
      clientAuth: auth,
      http,
      clockTolerance,
      ...(dpop ? { dpop: await dpop } : {}),
    })
    return decryptor ? withJweDecryption(ctx, decryptor) : ctx
  }
  const cache = createClientCredentialsCache({
    ...cacheOptions,
    request: async (key) => {
      const parameters = credentialsParameters.get(key) ?? {}
      // The request carries no caller's signal: one caller giving up must not fail the others.
      // The client's timeout still bounds it.
      return { tokenSet: await clientCredentialsGrant(await context(), parameters) }
    },
    revoke: undefined,
    onEvent: publishSessionEvents('client-credentials'),
  })
  const credentialsParameters = new Map<string, { scope?: string; resource?: string[] }>()
  const refresh = async (
    refreshToken: string,
    previous: Session | undefined,
    callOptions?: RefreshTokenGrantOptions,
  ): Promise<Session> => {
    const grantOptions = {
      ...callOptions,
      expectedSubject: callOptions?.expectedSubject ?? previous?.claims?.sub,
      previousClaims: callOptions?.previousClaims ?? previous?.claims,
    }
    const ctx = await context(callOptions?.signal)
    const result = await refreshTokenGrant(ctx, refreshToken, grantOptions)
    return nextSession(previous, result, Date.now())
  }
  const revokeRefreshToken = async (refreshToken: string): Promise<void> => {
    const ctx = await context()
    if (!ctx.metadata.revocation_endpoint) return
    await revokeToken(ctx, refreshToken, { tokenTypeHint: 'refresh_token' })
  }
  let sessions: SessionEngine | undefined
  const sessionEngine = (): SessionEngine => {
    if (sessions) return sessions
    const options: SessionEngineOptions = {
      store: withSessionTtl(sessionOptions.store ?? createMemorySessionStore(), {
        defaultTtl: sessionOptions.ttl,
      }),
      lock: sessionOptions.lock ?? lockOf(sessionOptions.store) ?? createProcessLock(),
      request: async (current) => {
        const refreshToken = current?.tokenSet.refreshToken
        if (!refreshToken) throw invalidArgument('session', 'a session with a refresh token')
        return refresh(refreshToken, current)
      },
      revoke: revokeRefreshToken,
      verifyIdToken: async (idToken, session) =>
        verifyIdToken(await context(), idToken, { previousClaims: session.claims }),
      ...(sessionOptions.onError ? { onError: sessionOptions.onError } : {}),
    }
    sessions = createSessionEngine(observeSessionEvents(options, publishSessionEvents('session')))
    return sessions
  }
  const sessionKey = (id: unknown): string => {
    if (typeof id !== 'string' || id === '') throw invalidArgument('id', 'a non-empty string')
    return `oauthkit:session:${JSON.stringify([issuer, clientId, id])}`
  }

  return {
    issuer,
    clientId,
    metadata: (callOptions) => metadata(callOptions?.signal),
    async clientCredentials(parameters) {
      const { scope, resource, signal } = checkCredentialsOptions(parameters)
      const key = cacheKey(issuer, clientId, scope, resource)
      if (!credentialsParameters.has(key)) {
        const parameters: { scope?: string; resource?: string[] } = {}
        if (scope) parameters.scope = scope
        if (resource.length > 0) parameters.resource = resource
        credentialsParameters.set(key, parameters)
      }
      return cache.get(key, signal)
    },
    async invalidateClientCredentials(parameters) {
      const { scope, resource } = checkCredentialsOptions(parameters)
      await cache.delete(cacheKey(issuer, clientId, scope, resource))
    },
    async buildAuthorizationUrl(parameters) {
      if (typeof parameters !== 'object' || parameters === null) {
        throw invalidArgument('parameters', 'an object')
      }
      return buildAuthorizationUrl(await context(parameters.signal), parameters)
    },
    async authorizationCodeGrant(callbackUrl, transaction, callOptions) {
      if (typeof transaction !== 'object' || transaction === null) {
        throw invalidArgument('transaction', 'the transaction from buildAuthorizationUrl')
      }
      if (typeof callbackUrl !== 'string' && !(callbackUrl instanceof URL)) {
        throw invalidArgument('callbackUrl', 'a URL')
      }
      const ctx = await context(callOptions?.signal)
      const { tokenSet, claims } = await authorizationCodeGrant(
        ctx,
        callbackUrl,
        transaction,
        callOptions,
      )
      const session: Session = { tokenSet, since: Date.now() }
      if (claims) session.claims = claims
      return session
    },
    async refreshTokenGrant(refreshTokenOrSession, callOptions) {
      const previous =
        typeof refreshTokenOrSession === 'object' && refreshTokenOrSession !== null
          ? refreshTokenOrSession
          : undefined
      const refreshToken = previous ? previous.tokenSet?.refreshToken : refreshTokenOrSession
      if (typeof refreshToken !== 'string' || refreshToken === '') {
        throw invalidArgument('refreshTokenOrSession', 'a refresh token or a session with one')
      }
      return refresh(refreshToken, previous, callOptions)
    },
    async saveSession(id, session) {
      const key = sessionKey(id)
      if (typeof session?.tokenSet?.accessToken !== 'string') {
        throw invalidArgument('session', 'a Session')
      }
      await sessionEngine().save(key, session)
    },
    async getSession(id, getOptions) {
      return sessionEngine().get(sessionKey(id), getOptions)
    },
    async endSession(id) {
      return sessionEngine().end(sessionKey(id))
    },
    async revokeToken(token, callOptions) {
      if (typeof token !== 'string' || token === '')
        throw invalidArgument('token', 'a non-empty string')
      await revokeToken(await context(callOptions?.signal), token, callOptions)
    },
    async introspectToken(token, callOptions) {
      if (typeof token !== 'string' || token === '')
        throw invalidArgument('token', 'a non-empty string')
      return introspectToken(await context(callOptions?.signal), token, callOptions)
    },
    async fetchUserInfo(accessToken, callOptions) {
      if (typeof accessToken !== 'string' || accessToken === '') {
        throw invalidArgument('accessToken', 'a non-empty string')
      }
      return fetchUserInfo(await context(callOptions?.signal), accessToken, callOptions)
    },
    async buildEndSessionUrl(parameters) {
      if (parameters !== undefined && (typeof parameters !== 'object' || parameters === null)) {
        throw invalidArgument('parameters', 'an object')
      }
      const { signal, ...endSession } = parameters ?? {}
      checkSignal(signal)
      return coreBuildEndSessionUrl(await context(signal), endSession)
    },
    dpopHandle: async () => dpop,
  }
}

function checkDPoP(value: unknown): true | webcrypto.CryptoKeyPair | undefined {
  if (value === undefined || value === false) return undefined
  if (value === true) return true
  const { privateKey, publicKey } = (value ?? {}) as Partial<webcrypto.CryptoKeyPair>
  if (
    typeof value !== 'object' ||
    !isCryptoKey(privateKey) ||
    privateKey.type !== 'private' ||
    !isCryptoKey(publicKey) ||
    publicKey.type !== 'public' ||
    !publicKey.extractable
  ) {
    throw invalidArgument('dpop', 'true or a CryptoKeyPair with an extractable public key')
  }
  return value as webcrypto.CryptoKeyPair
}

// ES256 (RFC 9449 §5 lets the client pick; P-256 is what every server supports). The private key
// cannot be exported: nothing in this process can leak it, only sign with it.
async function generateDPoPKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ])
}

function decryptorOf(
  keys: ServerClientOptions['decryptionKeys'],
): ReturnType<typeof createJweDecryptor> | undefined {
  if (keys === undefined) return undefined
  try {
    return createJweDecryptor({ keys })
  } catch (err) {
    throw renameArgument(err, '"keys', '"decryptionKeys')
  }
}

function tokenCacheOptions(options: TokenCacheOptions | undefined) {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw invalidArgument('tokenCache', 'an object')
  }
  const { store, lock, now, onError } = options ?? {}
  checkStore(store, 'tokenCache.store')
  checkLock(lock, 'tokenCache.lock')
  if (now !== undefined && typeof now !== 'function') {
    throw invalidArgument('tokenCache.now', 'a function')
  }
  if (onError !== undefined && typeof onError !== 'function') {
    throw invalidArgument('tokenCache.onError', 'a function')
  }
  const seconds = (name: keyof TokenCacheOptions, fallback: number): number =>
    numberOption(options?.[name], `tokenCache.${name}`, 'a number of seconds ≥ 0', { min: 0 }) ??
    fallback
  return {
    store: store ?? createMemorySessionStore(now ? { now } : undefined),
    lock: lock ?? lockOf(store) ?? createProcessLock(),
    refreshAhead: seconds('refreshAhead', 60),
    failureCooldown: seconds('failureCooldown', 10),
    defaultTtl: seconds('defaultTtl', 300),
    now: now ?? Date.now,
    ...(onError ? { onError } : {}),
  }
}

function checkSessionOptions(options: SessionOptions | undefined): SessionOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw invalidArgument('sessions', 'an object')
  }
  checkStore(options?.store, 'sessions.store')
  checkLock(options?.lock, 'sessions.lock')
  if (options?.onError !== undefined && typeof options.onError !== 'function') {
    throw invalidArgument('sessions.onError', 'a function')
  }
  numberOption(options?.ttl, 'sessions.ttl', 'a number of seconds ≥ 1', { min: 1 })
  return options ?? {}
}

function checkStore(store: unknown, name: string): void {
  if (store === undefined) return
  const { get, set, delete: remove } = (store ?? {}) as Partial<SessionStore>
  if (
    typeof store !== 'object' ||
    typeof get !== 'function' ||
    typeof set !== 'function' ||
    typeof remove !== 'function'
  ) {
    throw invalidArgument(name, 'a SessionStore ({ get, set, delete })')
  }
}

function checkLock(lock: unknown, name: string): void {
  if (lock !== undefined && typeof (lock as Partial<SessionLock> | null)?.run !== 'function') {
    throw invalidArgument(name, 'a SessionLock ({ run })')
  }
}

function checkSignal(signal: unknown): asserts signal is AbortSignal | undefined {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw invalidArgument('signal', 'an AbortSignal')
  }
}

function checkCredentialsOptions(options: ClientCredentialsOptions | undefined): {
  scope: string
  resource: string[]
  signal: AbortSignal | undefined
} {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw invalidArgument('options', 'an object')
  }
  const { scope, resource, signal } = options ?? {}
  if (scope !== undefined && typeof scope !== 'string') throw invalidArgument('scope', 'a string')
  const resources = resource === undefined ? [] : [resource].flat()
  for (const value of resources) {
    if (typeof value !== 'string') {
      throw invalidArgument('resource', 'an absolute URI or an array of them')
    }
    // RFC 8707 §2: an absolute URI without a fragment.
    if (!URL.canParse(value) || value.includes('#')) {
      throw invalidArgument(
        'resource',
        'an absolute URI without fragment, or an array of them',
        'ERR_INVALID_ARG_VALUE',
      )
    }
  }
  checkSignal(signal)
  // Normalised so `"b a"` and `"a b"` share one cache entry (scope is a set, RFC 6749 §3.3).
  const normalisedScope = [...new Set((scope ?? '').split(' ').filter(Boolean))].sort().join(' ')
  return { scope: normalisedScope, resource: [...new Set(resources)].sort(), signal }
}

// Never contains a secret: the store may be shared and its keys logged.
function cacheKey(issuer: string, clientId: string, scope: string, resource: string[]): string {
  return `oauthkit:client-credentials:${JSON.stringify([issuer, clientId, scope, resource])}`
}
