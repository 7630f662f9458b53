import * as oauth from 'oauth4webapi'
import { AccessTokenError } from './access-token-error.js'
import { assertString, invalidArgument } from './assert.js'
import { base64UrlDecode } from './decode-jwt.js'
import type { ServerMetadata } from './discover.js'
import { isOAuthKitError, OAuthKitError } from './errors.js'
import { type HttpOptions, toRequestOptions } from './http-options.js'
import { createJwksCache, type JwksCache } from './jwks-cache.js'
import { toOAuthKitError } from './to-oauthkit-error.js'

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
  /** Seconds of clock difference tolerated for `exp`, `nbf` and `iat`. Default 5. */
  clockTolerance?: number
  /**
   * The longest token (or `Authorization` header) accepted, in characters; longer ones are refused
   * before any decoding or signature work. Default 8192.
   */
  maxTokenLength?: number
  /** Where the issuer's keys are cached. Default: one cache shared by the whole process. */
  jwksCache?: JwksCache
  /** HTTP options for fetching the JWKS. */
  http?: HttpOptions
  /** The `realm` of `WWW-Authenticate` challenges (RFC 6750 §3). */
  realm?: string
}

const DEFAULT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]

const sharedJwksCache: JwksCache = createJwksCache()

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/

/**
 * Verifies a JWT access token as a resource server (RFC 9068 §4), on top of oauth4webapi's
 * `validateJwtAccessToken`: `typ` `at+jwt`, the signature with a key from the issuer's JWKS found
 * by `kid` (cached, refetched at most once per interval for an unknown `kid`), `iss`, `aud`, `exp`,
 * `nbf`, `iat`, the allowed algorithms, then the required `scopes`.
 *
 * `authorization` is an `Authorization` header value (`Bearer <token>`), a bare token, or a Fetch
 * `Request` (needed for DPoP-bound tokens, RFC 9449 §7). Tokens in the query string (RFC 6750
 * §2.3) are refused: they end up in logs. Oversized tokens are refused before any signature work.
 *
 * @param metadata - The issuer's metadata, from `discover()`; `jwks_uri` is required.
 * @returns The verified claims.
 * @throws {@link AccessTokenError} when the request must be refused: `status` 401 with
 *   `invalid_token` (code `ERR_INVALID_TOKEN`, `ERR_TOKEN_TOO_LARGE`, `ERR_JWT_MALFORMED`,
 *   `ERR_JWKS_NO_MATCHING_KEY` or oauth4webapi's, e.g. `OAUTH_JWT_TIMESTAMP_CHECK_FAILED`), 401
 *   without `error` when no token was sent (`ERR_TOKEN_MISSING`), 400 `invalid_request`
 *   (`ERR_INVALID_REQUEST`), 403 `insufficient_scope` (`ERR_INSUFFICIENT_SCOPE`).
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
  assertString(options.audience, 'options.audience')
  const scopes = options.scopes ?? []
  if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string')) {
    throw invalidArgument('options.scopes', 'an array of strings')
  }
  const algorithms = options.algorithms ?? DEFAULT_ALGORITHMS
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw invalidArgument('options.algorithms', 'a non-empty array of strings')
  }
  const maxTokenLength = options.maxTokenLength ?? 8192
  const realm = options.realm
  const refuse = (
    message: string,
    code: string,
    error?: 'invalid_request' | 'invalid_token',
    cause?: unknown,
  ) => new AccessTokenError(message, { code, error, realm, cause })

  let request: Request | undefined
  let header: string | null | undefined
  if (authorization instanceof Request) {
    request = authorization
    if (new URL(request.url).searchParams.has('access_token')) {
      throw refuse(
        'access tokens in the query string are not accepted',
        'ERR_INVALID_REQUEST',
        'invalid_request',
      )
    }
    header = request.headers.get('authorization')
  } else if (typeof authorization === 'string' || authorization == null) {
    header = authorization
  } else {
    throw invalidArgument('authorization', 'a string or a Request')
  }
  if (header == null || header.trim() === '') {
    throw refuse('no access token was presented', 'ERR_TOKEN_MISSING')
  }
  // Checked before anything else looks at the header: a huge header costs us nothing.
  if (header.length > maxTokenLength + 7) {
    throw refuse(
      `the access token is longer than ${maxTokenLength} characters`,
      'ERR_TOKEN_TOO_LARGE',
      'invalid_token',
    )
  }
  const parts = header.trim().split(' ')
  let scheme = 'bearer'
  let token: string
  if (parts.length === 1) {
    token = parts[0] as string
  } else if (parts.length === 2) {
    scheme = (parts[0] as string).toLowerCase()
    token = parts[1] as string
  } else {
    throw refuse('the Authorization header is malformed', 'ERR_INVALID_REQUEST', 'invalid_request')
  }
  if (scheme !== 'bearer' && !(scheme === 'dpop' && request)) {
    throw refuse(
      'the Authorization header does not use the Bearer scheme',
      'ERR_INVALID_REQUEST',
      'invalid_request',
    )
  }
  if (token.length > maxTokenLength) {
    throw refuse(
      `the access token is longer than ${maxTokenLength} characters`,
      'ERR_TOKEN_TOO_LARGE',
      'invalid_token',
    )
  }
  if (!B64TOKEN.test(token)) {
    throw refuse('the access token is malformed', 'ERR_JWT_MALFORMED', 'invalid_token')
  }
  const joseHeader = decodeHeader(token)
  if (!joseHeader) {
    throw refuse('the access token is not a signed JWT', 'ERR_JWT_MALFORMED', 'invalid_token')
  }
  if (typeof joseHeader.alg !== 'string' || !algorithms.includes(joseHeader.alg)) {
    throw refuse(
      'the access token is signed with an algorithm that is not allowed',
      'ERR_JWT_INVALID',
      'invalid_token',
    )
  }
  if (joseHeader.kid !== undefined && typeof joseHeader.kid !== 'string') {
    throw refuse('the access token has an invalid "kid"', 'ERR_JWT_INVALID', 'invalid_token')
  }

  const jwksCache = options.jwksCache ?? sharedJwksCache
  const generation = await jwksCache.keysFor(metadata, joseHeader, options.http)
  if (!generation) {
    throw refuse(
      'no key of the issuer matches the access token',
      'ERR_JWKS_NO_MATCHING_KEY',
      'invalid_token',
    )
  }

  const input = request ?? (new BearerRequest(metadata.issuer, token) as unknown as Request)
  let claims: JwtAccessTokenClaims
  try {
    claims = await oauth.validateJwtAccessToken(generation.as, input, options.audience, {
      ...requestOptionsOf(options.http),
      signingAlgorithms: algorithms,
      [oauth.clockTolerance]: options.clockTolerance ?? 5,
      [oauth.jwksCache]: generation.cache,
    })
  } catch (err) {
    const mapped = toOAuthKitError(err)
    // The network (a JWKS refetch oauth4webapi made itself) is our problem, not the caller's.
    if (isOAuthKitError(mapped) && /^ERR_(TIMEOUT|ABORTED|NETWORK)$/.test(mapped.code)) {
      throw mapped
    }
    const code = mapped instanceof OAuthKitError ? mapped.code : 'ERR_INVALID_TOKEN'
    throw refuse(describe(mapped), code, 'invalid_token', mapped)
  }

  const granted = new Set(typeof claims.scope === 'string' ? claims.scope.split(' ') : [])
  const missing = scopes.filter((scope) => !granted.has(scope))
  if (missing.length > 0) {
    throw new AccessTokenError(`the access token lacks the scope "${missing.join(' ')}"`, {
      code: 'ERR_INSUFFICIENT_SCOPE',
      error: 'insufficient_scope',
      scope: scopes.join(' '),
      realm,
    })
  }
  return claims
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
  readonly headers: { get(name: string): string | null; has(name: string): boolean }
  constructor(url: string, token: string) {
    this.url = url
    const authorization = `Bearer ${token}`
    this.headers = {
      get: (name) => (name.toLowerCase() === 'authorization' ? authorization : null),
      has: (name) => name.toLowerCase() === 'authorization',
    }
  }
  get [Symbol.toStringTag](): string {
    return 'Request'
  }
}

// oauth4webapi's request options are rebuilt only when the HTTP options object changes.
const requestOptionsCache = new WeakMap<HttpOptions, ReturnType<typeof toRequestOptions>>()
const defaultRequestOptions = toRequestOptions()
function requestOptionsOf(http: HttpOptions | undefined): ReturnType<typeof toRequestOptions> {
  if (!http) return defaultRequestOptions
  let cached = requestOptionsCache.get(http)
  if (!cached) {
    cached = toRequestOptions(http)
    requestOptionsCache.set(http, cached)
  }
  return cached
}

function decodeHeader(token: string): Record<string, unknown> | undefined {
  const segments = token.split('.')
  if (segments.length !== 3 || !segments[0] || !segments[1] || !segments[2]) return undefined
  try {
    const json: unknown = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(base64UrlDecode(segments[0])),
    )
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined
    return json as Record<string, unknown>
  } catch {
    return undefined
  }
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
