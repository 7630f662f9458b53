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
  createJweDecryptor,
  type DecryptionKey,
  discover,
  type EndSessionParameters,
  type FetchUserInfoOptions,
  fetchUserInfo,
  type IdTokenClaims,
  type IntrospectionResponse,
  type IntrospectTokenOptions,
  introspectToken,
  type PrivateJwk,
  type RefreshTokenGrantOptions,
  type RevokeTokenOptions,
  refreshTokenGrant,
  resolveClientAuthMethod,
  revokeToken,
  type ServerMetadata,
  type TokenResult,
  type TokenSet,
  type UserInfo,
  withJweDecryption,
} from '@oauthkit/core'
import { assertIssuer, invalidArgument, isCryptoKey } from '@oauthkit/core/internal'
import { assertMetadata } from './assert-metadata.js'
import { assertPrivateJwk } from './assert-private-jwk.js'
import { createClientCredentialsCache } from './client-credentials-cache.js'
import { createMemoryTokenStore } from './create-memory-token-store.js'
import { numberOption } from './number-option.js'
import { renameArgument } from './rename-argument.js'
import { toHttpOptions } from './to-http-options.js'
import type { TokenStore } from './token-store.js'

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
}

/** Options of the client-credentials token cache. Durations in seconds. */
export interface TokenCacheOptions {
  /** Where tokens are cached. Default: this process's memory ({@link createMemoryTokenStore}). */
  store?: TokenStore
  /**
   * Renew a token this many seconds before it expires, but never before half its lifetime has
   * passed (a token issued for 30 seconds is renewed after 15). Default 60.
   */
  skew?: number
  /**
   * After a refused credential (`invalid_client`, `unauthorized_client`, `invalid_scope`, ...)
   * the same error is returned for this long without asking the server again; after any failed
   * ahead-of-expiry renewal, the next one waits this long. Default 10.
   */
  failureCooldown?: number
  /** Cache lifetime of a token issued without `expires_in`. Default 300. */
  defaultTtl?: number
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
   * with PKCE and validates the ID Token. Its validated claims are then available from
   * {@link ServerClient.getIdTokenClaims}.
   *
   * @throws `ERR_STATE_MISMATCH`, {@link OAuthResponseError}, oauth4webapi codes.
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
   */
  authorizationCodeGrant(
    callbackUrl: string | URL,
    transaction: AuthorizationTransaction,
    options?: ServerAuthorizationCodeGrantOptions,
  ): Promise<TokenSet>
  /**
   * Exchanges a refresh token (RFC 6749 §6). The result keeps the old refresh token when the
   * server did not rotate it.
   */
  refreshTokenGrant(refreshToken: string, options?: RefreshTokenGrantOptions): Promise<TokenSet>
  /**
   * The validated ID Token claims of a token set that this client's `authorizationCodeGrant` or
   * `refreshTokenGrant` returned, or `undefined` (no ID Token, or a token set from elsewhere:
   * claims are never taken from an unverified token).
   */
  getIdTokenClaims(tokenSet: TokenSet): IdTokenClaims | undefined
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
  const cache = createClientCredentialsCache(tokenCacheOptions(options.tokenCache))
  const decryptor = decryptorOf(options.decryptionKeys)
  const idTokenClaims = new WeakMap<TokenSet, IdTokenClaims>()

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
    })
    return decryptor ? withJweDecryption(ctx, decryptor) : ctx
  }
  const remember = (result: TokenResult): TokenSet => {
    if (result.claims) idTokenClaims.set(result.tokenSet, result.claims)
    return result.tokenSet
  }

  return {
    issuer,
    clientId,
    metadata: (callOptions) => metadata(callOptions?.signal),
    async clientCredentials(parameters) {
      const { scope, resource, signal } = checkCredentialsOptions(parameters)
      const key = cacheKey(issuer, clientId, scope, resource)
      return cache.get(
        key,
        async () => {
          const parameters: { scope?: string; resource?: string[] } = {}
          if (scope) parameters.scope = scope
          if (resource.length > 0) parameters.resource = resource
          // The shared request carries no caller's signal: one caller giving up must not fail
          // the others. The client's timeout still bounds it.
          return clientCredentialsGrant(await context(), parameters)
        },
        signal,
      )
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
      return remember(await authorizationCodeGrant(ctx, callbackUrl, transaction, callOptions))
    },
    async refreshTokenGrant(refreshToken, callOptions) {
      if (typeof refreshToken !== 'string' || refreshToken === '') {
        throw invalidArgument('refreshToken', 'a non-empty string')
      }
      const ctx = await context(callOptions?.signal)
      return remember(await refreshTokenGrant(ctx, refreshToken, callOptions))
    },
    getIdTokenClaims(tokenSet) {
      return typeof tokenSet === 'object' && tokenSet !== null
        ? idTokenClaims.get(tokenSet)
        : undefined
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
  }
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

function tokenCacheOptions(
  options: TokenCacheOptions | undefined,
): Parameters<typeof createClientCredentialsCache>[0] {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw invalidArgument('tokenCache', 'an object')
  }
  const { store, now } = options ?? {}
  if (
    store !== undefined &&
    (typeof store !== 'object' ||
      store === null ||
      typeof store.get !== 'function' ||
      typeof store.set !== 'function' ||
      typeof store.delete !== 'function')
  ) {
    throw invalidArgument('tokenCache.store', 'a TokenStore ({ get, set, delete })')
  }
  if (now !== undefined && typeof now !== 'function') {
    throw invalidArgument('tokenCache.now', 'a function')
  }
  const seconds = (name: keyof TokenCacheOptions, fallback: number): number =>
    numberOption(options?.[name], `tokenCache.${name}`, 'a number of seconds ≥ 0', { min: 0 }) ??
    fallback
  return {
    store: store ?? createMemoryTokenStore(),
    skew: seconds('skew', 60),
    failureCooldown: seconds('failureCooldown', 10),
    defaultTtl: seconds('defaultTtl', 300),
    now: now ?? Date.now,
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
