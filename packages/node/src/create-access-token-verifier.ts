import {
  createJwksCache,
  createVerifiedTokenCache,
  discover,
  type HttpOptions,
  type JwksCacheOptions,
  type JwtAccessTokenClaims,
  type ServerMetadata,
  type VerifiedTokenCache,
  type VerifiedTokenCacheOptions,
  type VerifyJwtAccessTokenOptions,
  verifyJwtAccessToken,
} from '@oauthkit/core'
import { invalidArgument } from '@oauthkit/core/internal'

/** Options of {@link createAccessTokenVerifier}. */
export interface AccessTokenVerifierOptions {
  /** The issuer whose access tokens are accepted; its metadata is discovered on first use. */
  issuer: string | URL
  /** This API's identifier: the token's `aud` must contain it (RFC 9068 §4, RFC 8707). */
  audience: string
  /** Accepted signing algorithms. Default: RS, PS and ES (256/384/512), EdDSA, Ed25519. */
  algorithms?: string[]
  /** Seconds of clock difference tolerated for `exp` and `nbf`, at least 0. Default 5. */
  clockTolerance?: number
  /** The longest token accepted, in characters; longer ones are refused unread. Default 8192. */
  maxTokenLength?: number
  /** The `realm` of `WWW-Authenticate` challenges (RFC 6750 §3). */
  realm?: string
  /** The JWKS cache policy (`maxAge`, `minRefetchInterval`, `maxStale`). */
  jwks?: JwksCacheOptions
  /**
   * Remembers tokens that passed full verification, so that the exact same token presented again
   * skips the signature check until its `exp`. The header checks, the key lookup, `exp`, `nbf` and
   * the call's `scopes` still run on every presentation; a refetch of the JWKS (every
   * `jwks.maxAge`) sends each token through full verification again; refusals and DPoP-bound
   * tokens are never remembered. Default `{ maxEntries: 1000 }`; `false` verifies every call.
   */
  cache?: VerifiedTokenCacheOptions | false
  /** A Fetch API implementation for discovery and JWKS. */
  fetch?: typeof fetch
  /** Milliseconds before a discovery or JWKS request fails with `ERR_TIMEOUT`. Default 30 000. */
  timeout?: number
  /** Allows an `http:` issuer. For local development and tests only. */
  allowInsecureRequests?: boolean
  /** Server metadata to use instead of discovering it. */
  metadata?: ServerMetadata
}

/** Options of {@link AccessTokenVerifier.verify}. */
export interface VerifyOptions {
  /** Scopes the token must all carry; otherwise 403 `insufficient_scope`. */
  scopes?: string[]
}

/** A resource server's access-token verifier, from {@link createAccessTokenVerifier}. */
export interface AccessTokenVerifier {
  /** The issuer. */
  readonly issuer: string
  /** The expected audience. */
  readonly audience: string
  /** The cache of verified tokens (`size`, `hits`, `clear()`); `undefined` with `cache: false`. */
  readonly cache: VerifiedTokenCache | undefined
  /**
   * Verifies an RFC 9068 JWT access token and returns its claims.
   *
   * @param authorization - The `Authorization` header value (`Bearer …`), a bare token, or a
   *   Fetch `Request` (query-string tokens in it are refused).
   * @throws {@link AccessTokenError} with `status`, `error`, `error_description` and
   *   `wwwAuthenticate` when the request must be refused (401/403/400, RFC 6750 §3);
   *   {@link OAuthKitError} (`ERR_DISCOVERY_FAILED`, `ERR_JWKS_FAILED`, `ERR_TIMEOUT`) when the
   *   issuer cannot be reached: answer those with a 5xx.
   * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
   */
  verify(
    authorization: string | Request | null | undefined,
    options?: VerifyOptions,
  ): Promise<JwtAccessTokenClaims>
}

/**
 * Creates a verifier for the JWT access tokens an API receives. Keys come from the issuer's JWKS,
 * cached and refetched at most once per interval when an unknown `kid` appears. No I/O until the
 * first `verify()`.
 *
 * @throws `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` naming the bad option.
 * @example
 * ```ts
 * const verifier = createAccessTokenVerifier({ issuer, audience: 'https://api.example.com' })
 * const claims = await verifier.verify(request.headers.get('authorization'), { scopes: ['read'] })
 * ```
 */
export function createAccessTokenVerifier(
  options: AccessTokenVerifierOptions,
): AccessTokenVerifier {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object')
  const { issuer: issuerOption, audience } = options
  let issuerUrl: URL
  try {
    issuerUrl = new URL(issuerOption)
  } catch {
    throw invalidArgument('issuer', 'an absolute URL')
  }
  if (
    issuerUrl.protocol !== 'https:' &&
    !(issuerUrl.protocol === 'http:' && options.allowInsecureRequests)
  ) {
    throw invalidArgument('issuer', 'an https URL', 'ERR_INVALID_ARG_VALUE')
  }
  if (typeof audience !== 'string' || audience === '') {
    throw invalidArgument('audience', 'a non-empty string')
  }
  const { clockTolerance } = options
  if (clockTolerance !== undefined) {
    if (typeof clockTolerance !== 'number') throw invalidArgument('clockTolerance', 'a number')
    if (!(clockTolerance >= 0 && clockTolerance < Number.POSITIVE_INFINITY)) {
      throw invalidArgument('clockTolerance', 'a number of seconds ≥ 0', 'ERR_INVALID_ARG_VALUE')
    }
  }
  const cache = verifiedTokenCacheOf(options.cache)
  const issuer = typeof issuerOption === 'string' ? issuerOption : issuerUrl.href
  const http: HttpOptions = {}
  if (options.fetch) http.fetch = options.fetch
  if (options.timeout !== undefined) http.timeout = options.timeout
  if (options.allowInsecureRequests === true) http.allowInsecureRequests = true
  const jwksCache = createJwksCache(options.jwks)
  const { algorithms, maxTokenLength, realm } = options
  // One object shape for every call (absent options are `undefined`, which core defaults): a
  // literal is cheaper than spreading a base object per request.
  const optionsWith = (scopes: string[] | undefined): VerifyJwtAccessTokenOptions => ({
    audience,
    scopes,
    algorithms,
    clockTolerance,
    maxTokenLength,
    jwksCache,
    verifiedTokenCache: cache,
    http,
    realm,
  })
  const base = optionsWith(undefined)
  // discover() caches for an hour; asking it at most once a minute keeps its URL parsing and
  // cache lookup off the per-request path.
  let known: { metadata: ServerMetadata; at: number } | undefined
  const discoverMetadata = async (): Promise<ServerMetadata> => {
    const now = Date.now()
    const metadata = await discover(issuerOption, http)
    known = { metadata, at: now }
    return metadata
  }
  return {
    issuer,
    audience,
    cache,
    // Not async: core's promise is handed back as is, which spares an extra promise and its
    // microtask turns per request. Nothing before that call can throw.
    verify(authorization, verifyOptions) {
      const scopes = verifyOptions?.scopes
      const verifyOptionsOf = scopes ? optionsWith(scopes) : base
      const metadata =
        options.metadata ?? (known && Date.now() - known.at < 60_000 ? known.metadata : undefined)
      if (metadata) return verifyJwtAccessToken(metadata, authorization, verifyOptionsOf)
      return discoverMetadata().then((discovered) =>
        verifyJwtAccessToken(discovered, authorization, verifyOptionsOf),
      )
    },
  }
}

function verifiedTokenCacheOf(
  option: VerifiedTokenCacheOptions | false | undefined,
): VerifiedTokenCache | undefined {
  if (option === false) return undefined
  if (option !== undefined && (typeof option !== 'object' || option === null)) {
    throw invalidArgument('cache', 'an object or false')
  }
  const maxEntries = option?.maxEntries
  if (maxEntries !== undefined && typeof maxEntries !== 'number') {
    throw invalidArgument('cache.maxEntries', 'a number')
  }
  if (maxEntries !== undefined && !(Number.isSafeInteger(maxEntries) && maxEntries >= 1)) {
    throw invalidArgument('cache.maxEntries', 'a positive integer', 'ERR_INVALID_ARG_VALUE')
  }
  return createVerifiedTokenCache(maxEntries === undefined ? {} : { maxEntries })
}
