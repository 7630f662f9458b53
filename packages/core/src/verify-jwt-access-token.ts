import * as oauth from 'oauth4webapi'
import { AccessTokenError } from './access-token-error.js'
import { assertString, invalidArgument } from './assert.js'
import { isCompactJwe, type JweDecryptor } from './create-jwe-decryptor.js'
import { base64UrlDecode } from './decode-jwt.js'
import type { ServerMetadata } from './discover.js'
import { isOAuthKitError, OAuthKitError, type OAuthKitErrorCode } from './errors.js'
import { type HttpOptions, toRequestOptions } from './http-options.js'
import {
  cachedKeysFor,
  createJwksCache,
  type JwksCache,
  type JwksGeneration,
} from './jwks-cache.js'
import { DEFAULT_JWS_ALGORITHMS } from './jws-algorithms.js'
import { involvesDecryption, openEncryptedAccessToken } from './open-encrypted-access-token.js'
import { toOAuthKitError } from './to-oauthkit-error.js'
import {
  storeOf,
  type VerifiedTokenCache,
  type VerifiedTokenStore,
} from './verified-token-cache.js'

/** Claims of a verified RFC 9068 access token, wire spelling. */
export type JwtAccessTokenClaims = oauth.JWTAccessTokenClaims

/** Options of {@link verifyJwtAccessToken}. */
export interface VerifyJwtAccessTokenOptions {
  /** This resource server's identifier; the token's `aud` must contain it (RFC 9068 §4). */
  audience: string
  /** Scopes the token must all carry; otherwise `insufficient_scope` (RFC 6750 §3.1). */
  scopes?: string[]
  /**
   * Accepted `alg` values. Default: the asymmetric algorithms RS256/384/512, PS256/384/512,
   * ES256/384/512 and EdDSA/Ed25519. `none` and HMAC algorithms are never accepted.
   */
  algorithms?: string[]
  /** Seconds of clock difference tolerated for `exp` and `nbf`, at least 0. Default 5. */
  clockTolerance?: number
  /**
   * The longest token (or `Authorization` header) accepted, in characters; longer ones are refused
   * before any decoding or signature work. Default 8192.
   */
  maxTokenLength?: number
  /** Where the issuer's keys are cached. Default: one cache shared by the whole process. */
  jwksCache?: JwksCache
  /**
   * Remembers tokens that passed full verification, so that the exact same token presented again
   * skips the signature check until its `exp` (see {@link VerifiedTokenCache} for what is still
   * checked every time). From `createVerifiedTokenCache()`. Default: none, every call verifies.
   */
  verifiedTokenCache?: VerifiedTokenCache
  /** HTTP options for fetching the JWKS. */
  http?: HttpOptions
  /** The `realm` of `WWW-Authenticate` challenges (RFC 6750 §3). */
  realm?: string
  /**
   * Decrypts encrypted access tokens: a JWE (RFC 7516) whose plaintext is the signed JWT
   * (RFC 7519 §5.2, RFC 9068 §2.1), from `createJweDecryptor()`. The inner JWT is then verified
   * exactly like a plain one. Default: none, and every JWE is refused (`ERR_JWE_NOT_ACCEPTED`).
   */
  decryptor?: JweDecryptor
  /** Refuses plain (unencrypted) JWT access tokens (`ERR_JWE_REQUIRED`). Needs `decryptor`. */
  requireEncryption?: boolean
}

// Created on first use, not at import: a cold import of the package runs as little as it can
// (bench/import-time.mjs).
let sharedJwksCache: JwksCache | undefined
function sharedJwks(): JwksCache {
  sharedJwksCache ??= createJwksCache()
  return sharedJwksCache
}

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/

/**
 * Verifies a JWT access token as a resource server (RFC 9068 §4), on top of oauth4webapi's
 * `validateJwtAccessToken`: `typ` `at+jwt`, the signature with a key from the issuer's JWKS found
 * by `kid` (cached, refetched at most once per interval for an unknown `kid`), `iss`, `aud`, `exp`,
 * `nbf`, the required claims, the allowed algorithms, then the required `scopes`.
 *
 * `authorization` is an `Authorization` header value (`Bearer <token>`), a bare token, or a Fetch
 * `Request` (needed for DPoP-bound tokens, RFC 9449 §7). Tokens in the query string (RFC 6750
 * §2.3) are refused: they end up in logs. Oversized tokens are refused before any signature work.
 * With `verifiedTokenCache`, a token that passed all of this is remembered until its `exp`.
 *
 * @param metadata - The issuer's metadata, from `discover()`; `jwks_uri` is required.
 * @returns The verified claims, a new object on every call.
 * @throws {@link AccessTokenError} when the request must be refused: `status` 401 with
 *   `invalid_token` (code `ERR_INVALID_TOKEN`, `ERR_TOKEN_TOO_LARGE`, `ERR_JWT_MALFORMED`,
 *   `ERR_JWKS_NO_MATCHING_KEY` or oauth4webapi's, e.g. `OAUTH_JWT_TIMESTAMP_CHECK_FAILED`), 401
 *   without `error` when no token was sent (`ERR_TOKEN_MISSING`), 400 `invalid_request`
 *   (`ERR_INVALID_REQUEST`), 403 `insufficient_scope` (`ERR_INSUFFICIENT_SCOPE`); for
 *   encrypted tokens 401 `invalid_token` with `ERR_JWE_NOT_ACCEPTED`, `ERR_JWE_REQUIRED` or the
 *   decryptor's code (`ERR_JWE_INVALID`, `ERR_JWE_NOT_ALLOWED`, `ERR_JWE_NO_MATCHING_KEY`,
 *   `ERR_JWE_DECRYPTION_FAILED`).
 *   {@link OAuthKitError} (`ERR_JWKS_FAILED`, `ERR_TIMEOUT`, ...) when the keys cannot be
 *   fetched: a server-side failure, not the caller's.
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export async function verifyJwtAccessToken(
  metadata: ServerMetadata,
  authorization: string | Request | null | undefined,
  options: VerifyJwtAccessTokenOptions,
): Promise<JwtAccessTokenClaims> {
  if (typeof metadata !== 'object' || metadata === null || typeof metadata.issuer !== 'string') {
    throw invalidArgument('metadata', 'authorization server metadata')
  }
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object')
  const { audience, scopes, realm } = options
  assertString(audience, 'options.audience')
  if (scopes !== undefined && !isStringArray(scopes)) {
    throw invalidArgument('options.scopes', 'an array of strings')
  }
  const algorithms = options.algorithms ?? DEFAULT_JWS_ALGORITHMS
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw invalidArgument('options.algorithms', 'a non-empty array of strings')
  }
  const clockTolerance = options.clockTolerance ?? 5
  if (typeof clockTolerance !== 'number') {
    throw invalidArgument('options.clockTolerance', 'a number')
  }
  // oauth4webapi silently turns a negative or non-finite tolerance into 30 seconds.
  if (!(clockTolerance >= 0 && clockTolerance < Number.POSITIVE_INFINITY)) {
    throw invalidArgument(
      'options.clockTolerance',
      'a number of seconds ≥ 0',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  let store: VerifiedTokenStore | undefined
  if (options.verifiedTokenCache !== undefined) {
    store = storeOf(options.verifiedTokenCache)
    if (!store) {
      throw invalidArgument('options.verifiedTokenCache', 'a cache from createVerifiedTokenCache()')
    }
  }
  const maxTokenLength = options.maxTokenLength ?? 8192

  let request: Request | undefined
  let header: string | null | undefined
  if (typeof authorization === 'string' || authorization == null) {
    header = authorization
  } else if (authorization instanceof Request) {
    request = authorization
    if (new URL(request.url).searchParams.has('access_token')) {
      throw refusal(
        'access tokens in the query string are not accepted',
        'ERR_INVALID_REQUEST',
        realm,
        'invalid_request',
      )
    }
    header = request.headers.get('authorization')
  } else {
    throw invalidArgument('authorization', 'a string or a Request')
  }
  const trimmed = header?.trim()
  if (!trimmed) throw refusal('no access token was presented', 'ERR_TOKEN_MISSING', realm)
  // Checked before anything else looks at the header: a huge header costs us nothing.
  if ((header as string).length > maxTokenLength + 7) throw tooLarge(maxTokenLength, realm)
  const space = trimmed.indexOf(' ')
  let scheme = 'bearer'
  let token = trimmed
  if (space !== -1) {
    token = trimmed.slice(space + 1)
    if (token.includes(' ')) {
      throw refusal(
        'the Authorization header is malformed',
        'ERR_INVALID_REQUEST',
        realm,
        'invalid_request',
      )
    }
    scheme = trimmed.slice(0, space).toLowerCase()
  }
  if (scheme !== 'bearer' && !(scheme === 'dpop' && request)) {
    throw refusal(
      'the Authorization header does not use the Bearer scheme',
      'ERR_INVALID_REQUEST',
      realm,
      'invalid_request',
    )
  }
  if (token.length > maxTokenLength) throw tooLarge(maxTokenLength, realm)
  // A DPoP request (scheme or proof header) needs its proof checked each time: never cached.
  const cache = store && scheme === 'bearer' && !request?.headers.has('dpop') ? store : undefined
  // The exact token was verified before: its syntax is known good and its header known, both
  // pure functions of the string. Everything below still runs.
  const known = cache?.find(token)
  if (!known && !B64TOKEN.test(token)) {
    throw refusal('the access token is malformed', 'ERR_JWT_MALFORMED', realm, 'invalid_token')
  }
  // The signed JWT: the token itself, or what its JWE encloses. Remembered tokens are cached
  // under the token as presented (the JWE), with the inner JWT's header.
  let signed = token
  if (involvesDecryption(token, options)) {
    if (request && (scheme === 'dpop' || request.headers.has('dpop'))) {
      // The proof's `ath` hashes the token as sent, which oauth4webapi would compare with the
      // inner JWT: refused plainly rather than as a confusing hash mismatch.
      throw refusal(
        'DPoP-bound encrypted access tokens are not supported',
        'ERR_JWE_NOT_ACCEPTED',
        realm,
        'invalid_token',
      )
    }
    signed = await openEncryptedAccessToken(token, options, known !== undefined, realm)
    request = undefined
  }
  const joseHeader = known ? known.header : decodeHeader(signed)
  if (!joseHeader) {
    throw refusal(
      'the access token is not a signed JWT',
      'ERR_JWT_MALFORMED',
      realm,
      'invalid_token',
    )
  }
  if (typeof joseHeader.alg !== 'string' || !algorithms.includes(joseHeader.alg)) {
    throw refusal(
      'the access token is signed with an algorithm that is not allowed',
      'ERR_JWT_INVALID',
      realm,
      'invalid_token',
    )
  }
  if (joseHeader.kid !== undefined && typeof joseHeader.kid !== 'string') {
    throw refusal(
      'the access token has an invalid "kid"',
      'ERR_JWT_INVALID',
      realm,
      'invalid_token',
    )
  }

  const jwksCache = options.jwksCache ?? sharedJwks()
  const generation =
    cachedKeysFor(jwksCache, metadata, joseHeader) ??
    (await jwksCache.keysFor(metadata, joseHeader, options.http))
  if (!generation) {
    throw refusal(
      'no key of the issuer matches the access token',
      'ERR_JWKS_NO_MATCHING_KEY',
      realm,
      'invalid_token',
    )
  }

  const jwks = generation.cache.jwks
  let claims = known
    ? cache?.use(known, metadata.issuer, audience, jwks, Date.now(), clockTolerance)
    : undefined
  if (!claims) {
    // A remembered JWE that the cache could not answer for (its key set was refetched): the
    // decryption skipped above is needed after all.
    if (known && signed === token && isCompactJwe(token)) {
      signed = await openEncryptedAccessToken(token, options, false, realm)
    }
    const input = request ?? (new BearerRequest(metadata.issuer, signed) as unknown as Request)
    try {
      claims = await oauth.validateJwtAccessToken(
        generation.as,
        input,
        audience,
        engineOptions(generation, options.http, algorithms, clockTolerance),
      )
    } catch (err) {
      throw toRefusal(err, realm)
    }
    // Only when oauth4webapi used the very key set we hold (it never refetches on its own while
    // the JWKS cache feeds it, but if it did, its keys are not the ones the entry would name).
    if (cache && jwks && generation.cache.jwks === jwks) {
      cache.remember(token, joseHeader, claims, metadata.issuer, audience, jwks, Date.now())
    }
  }

  if (scopes !== undefined && scopes.length > 0) {
    const granted = typeof claims.scope === 'string' ? claims.scope.split(' ') : []
    const missing = scopes.filter((scope) => !granted.includes(scope))
    if (missing.length > 0) {
      throw new AccessTokenError(`the access token lacks the scope "${missing.join(' ')}"`, {
        code: 'ERR_INSUFFICIENT_SCOPE',
        error: 'insufficient_scope',
        scope: scopes.join(' '),
        realm,
      })
    }
  }
  return claims
}

function isStringArray(value: unknown): value is string[] {
  if (!Array.isArray(value)) return false
  for (const item of value) if (typeof item !== 'string') return false
  return true
}

function refusal(
  message: string,
  code: OAuthKitErrorCode,
  realm: string | undefined,
  error?: 'invalid_request' | 'invalid_token',
  cause?: unknown,
): AccessTokenError {
  return new AccessTokenError(message, { code, error, realm, cause })
}

function tooLarge(maxTokenLength: number, realm: string | undefined): AccessTokenError {
  return refusal(
    `the access token is longer than ${maxTokenLength} characters`,
    'ERR_TOKEN_TOO_LARGE',
    realm,
    'invalid_token',
  )
}

// The network (a JWKS refetch oauth4webapi made itself) is our problem, not the caller's.
const SERVER_SIDE = new Set(['ERR_TIMEOUT', 'ERR_ABORTED', 'ERR_NETWORK'])

function toRefusal(err: unknown, realm: string | undefined): Error {
  const mapped = toOAuthKitError(err)
  if (isOAuthKitError(mapped) && SERVER_SIDE.has(mapped.code)) return mapped
  const code = mapped instanceof OAuthKitError ? mapped.code : 'ERR_INVALID_TOKEN'
  return refusal(describe(mapped), code, realm, 'invalid_token', mapped)
}

/**
 * The smallest Request oauth4webapi accepts for a bare Bearer token. It reads only `headers`,
 * `method` and `url`, and accepts any object whose prototype is tagged `Request` (its check for
 * Requests from another realm). A real `Request` costs about 15 µs in Node, a quarter of an RS256
 * verification. It has no `dpop` header, so a DPoP-bound token (`cnf.jkt`) is refused.
 */
class BearerRequest {
  readonly method = 'GET'
  readonly url: string
  readonly headers: BearerHeaders
  constructor(url: string, token: string) {
    this.url = url
    this.headers = new BearerHeaders(`Bearer ${token}`)
  }
  get [Symbol.toStringTag](): string {
    return 'Request'
  }
}

// Prototype methods rather than per-call closures: one small object per verification.
class BearerHeaders {
  readonly #authorization: string
  constructor(authorization: string) {
    this.#authorization = authorization
  }
  get(name: string): string | null {
    return name.toLowerCase() === 'authorization' ? this.#authorization : null
  }
  has(name: string): boolean {
    return name.toLowerCase() === 'authorization'
  }
}

// oauth4webapi's request options are rebuilt only when the HTTP options object changes; the
// default ones are made on first use, not at import.
const requestOptionsCache = new WeakMap<HttpOptions, ReturnType<typeof toRequestOptions>>()
let defaultRequestOptions: ReturnType<typeof toRequestOptions> | undefined
function requestOptionsOf(http: HttpOptions | undefined): ReturnType<typeof toRequestOptions> {
  if (!http) {
    defaultRequestOptions ??= toRequestOptions()
    return defaultRequestOptions
  }
  let cached = requestOptionsCache.get(http)
  if (!cached) {
    cached = toRequestOptions(http)
    requestOptionsCache.set(http, cached)
  }
  return cached
}

type EngineOptions = oauth.ValidateJWTAccessTokenOptions & oauth.JWKSCacheOptions
interface EngineOptionsEntry {
  http: HttpOptions | undefined
  algorithms: string[]
  clockTolerance: number
  value: EngineOptions
}

// The options object handed to oauth4webapi, built once per key set (and per option set) rather
// than spread on every call. oauth4webapi only reads it; the JWKS cache object inside it is the
// generation's own.
const engineOptionsCache = new WeakMap<JwksGeneration, EngineOptionsEntry>()
function engineOptions(
  generation: JwksGeneration,
  http: HttpOptions | undefined,
  algorithms: string[],
  clockTolerance: number,
): EngineOptions {
  const cached = engineOptionsCache.get(generation)
  if (
    cached &&
    cached.http === http &&
    cached.algorithms === algorithms &&
    cached.clockTolerance === clockTolerance
  ) {
    return cached.value
  }
  const value: EngineOptions = {
    ...requestOptionsOf(http),
    signingAlgorithms: algorithms,
    [oauth.clockTolerance]: clockTolerance,
    [oauth.jwksCache]: generation.cache,
  }
  engineOptionsCache.set(generation, { http, algorithms, clockTolerance, value })
  return value
}

// Decoded JOSE headers by their encoded segment. An issuer signs every token with the same few
// headers, so this spares a base64 and JSON decode per call (oauth4webapi decodes its own copy).
// Bounded: a flood of distinct headers only ever costs a clear.
const HEADER_CACHE_SIZE = 64
const HEADER_CACHE_SEGMENT = 512
const decodedHeaders = new Map<string, Readonly<Record<string, unknown>>>()
const utf8 = new TextDecoder('utf-8', { fatal: true })

function decodeHeader(token: string): Readonly<Record<string, unknown>> | undefined {
  const first = token.indexOf('.')
  const second = token.indexOf('.', first + 1)
  // Three non-empty segments.
  if (
    first < 1 ||
    second < first + 2 ||
    second >= token.length - 1 ||
    token.indexOf('.', second + 1) !== -1
  ) {
    return undefined
  }
  const segment = token.slice(0, first)
  const known = decodedHeaders.get(segment)
  if (known) return known
  let json: unknown
  try {
    json = JSON.parse(utf8.decode(base64UrlDecode(segment)))
  } catch {
    return undefined
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined
  const header = Object.freeze(json as Record<string, unknown>)
  if (segment.length <= HEADER_CACHE_SEGMENT) {
    if (decodedHeaders.size >= HEADER_CACHE_SIZE) decodedHeaders.clear()
    decodedHeaders.set(segment, header)
  }
  return header
}

// Short, stable descriptions for the client; the detailed message stays on `cause`.
function describe(err: Error): string {
  const code = (err as { code?: unknown }).code
  const message = err.message
  if (code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED') {
    return /"nbf"/.test(message) ? 'the access token is not valid yet' : 'the access token expired'
  }
  if (/missing/.test(message)) return 'the access token lacks a required claim'
  if (/"typ"/.test(message)) return 'the token is not a JWT access token (typ at+jwt)'
  if (/"aud"/.test(message)) return 'the access token is meant for another audience'
  if (/"iss"/.test(message)) return 'the access token comes from another issuer'
  if (/signature/i.test(message)) return 'the access token signature is invalid'
  if (/"alg"/.test(message))
    return 'the access token is signed with an algorithm that is not allowed'
  return 'the access token is invalid'
}
