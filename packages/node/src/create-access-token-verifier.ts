import {
  createJwksCache,
  discover,
  type HttpOptions,
  invalidArgument,
  type JwksCacheOptions,
  type JwtAccessTokenClaims,
  type ServerMetadata,
  verifyJwtAccessToken,
} from '@oauthkit/core'

/** Options of {@link createAccessTokenVerifier}. */
export interface AccessTokenVerifierOptions {
  /** The issuer whose access tokens are accepted; its metadata is discovered on first use. */
  issuer: string | URL
  /** This API's identifier: the token's `aud` must contain it (RFC 9068 §4, RFC 8707). */
  audience: string
  /** Accepted signing algorithms. Default: RS, PS and ES (256/384/512), EdDSA, Ed25519. */
  algorithms?: string[]
  /** Seconds of clock difference tolerated for `exp`, `nbf`, `iat`. Default 5. */
  clockTolerance?: number
  /** The longest token accepted, in characters; longer ones are refused unread. Default 8192. */
  maxTokenLength?: number
  /** The `realm` of `WWW-Authenticate` challenges (RFC 6750 §3). */
  realm?: string
  /** The JWKS cache policy (`maxAge`, `minRefetchInterval`, `maxStale`). */
  jwks?: JwksCacheOptions
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
  const issuer = typeof issuerOption === 'string' ? issuerOption : issuerUrl.href
  const http: HttpOptions = {}
  if (options.fetch) http.fetch = options.fetch
  if (options.timeout !== undefined) http.timeout = options.timeout
  if (options.allowInsecureRequests === true) http.allowInsecureRequests = true
  const jwksCache = createJwksCache(options.jwks)
  const base = {
    audience,
    jwksCache,
    http,
    ...(options.algorithms ? { algorithms: options.algorithms } : {}),
    ...(options.clockTolerance !== undefined ? { clockTolerance: options.clockTolerance } : {}),
    ...(options.maxTokenLength !== undefined ? { maxTokenLength: options.maxTokenLength } : {}),
    ...(options.realm !== undefined ? { realm: options.realm } : {}),
  }
  // discover() caches for an hour; asking it at most once a minute keeps its URL parsing and
  // cache lookup off the per-request path.
  let known: { metadata: ServerMetadata; at: number } | undefined
  const metadataOf = async (): Promise<ServerMetadata> => {
    if (options.metadata) return options.metadata
    const now = Date.now()
    if (known && now - known.at < 60_000) return known.metadata
    const metadata = await discover(issuerOption, http)
    known = { metadata, at: now }
    return metadata
  }
  return {
    issuer,
    audience,
    async verify(authorization, verifyOptions) {
      const metadata = await metadataOf()
      return verifyJwtAccessToken(metadata, authorization, {
        ...base,
        ...(verifyOptions?.scopes ? { scopes: verifyOptions.scopes } : {}),
      })
    },
  }
}
