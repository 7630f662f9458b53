import {
  createJweDecryptor,
  createJwksCache,
  createVerifiedTokenCache,
  type DecryptionKey,
  discover,
  type JweDecryptor,
  type JwksCache,
  type JwksCacheOptions,
  type JwtAccessTokenClaims,
  type PrivateJwk,
  type ServerMetadata,
  type VerifiedTokenCache,
  type VerifiedTokenCacheOptions,
  type VerifyJwtAccessTokenOptions,
  verifyJwtAccessToken,
} from '@oauthkit/core'
import {
  assertIssuer,
  invalidArgument,
  renameArgument,
  SUPPORTED_JWS_ALGORITHMS,
} from '@oauthkit/core/internal'
import { assertMetadata } from './assert-metadata.js'
import { numberOption } from './number-option.js'
import { toHttpOptions } from './to-http-options.js'

/** Options of {@link createAccessTokenVerifier}. */
export interface AccessTokenVerifierOptions {
  /** The issuer whose access tokens are accepted; its metadata is discovered on first use. */
  issuer: string | URL
  /** This API's identifier: the token's `aud` must contain it (RFC 9068 §4, RFC 8707). */
  audience: string
  /**
   * Accepted signing algorithms. Default: RS, PS and ES (256/384/512), EdDSA, Ed25519. Any
   * non-empty list of those and ML-DSA-44/65/87 (where the runtime has them); `none` and HMAC are
   * never accepted, and an unknown name is refused when the verifier is created.
   */
  algorithms?: string[]
  /** Seconds of clock difference tolerated for `exp` and `nbf`, at least 0. Default 5. */
  clockTolerance?: number
  /**
   * The longest token accepted, in characters (a positive whole number); longer ones are refused
   * unread. Default 8192.
   */
  maxTokenLength?: number
  /** The `realm` of `WWW-Authenticate` challenges (RFC 6750 §3). */
  realm?: string
  /**
   * The issuer's key cache: a policy (`maxAge`, `minRefetchInterval`, `maxStale`, in seconds) for
   * a cache of this verifier's own, or a cache from `createJwksCache()` to share between
   * verifiers. Same name as core's `verifyJwtAccessToken` option.
   */
  jwksCache?: JwksCacheOptions | JwksCache
  /**
   * Remembers tokens that passed full verification, so that the exact same token presented again
   * skips the signature check (and, for an encrypted token, the decryption) until its `exp`. The
   * header checks, the key lookup, `exp`, `nbf` and the call's `scopes` still run on every
   * presentation; a refetch of the JWKS (every `jwksCache.maxAge`) sends each token through full
   * verification again; refusals and DPoP-bound tokens are never remembered. Options
   * (`{ maxEntries }`) or a cache from `createVerifiedTokenCache()`. Default
   * `{ maxEntries: 1000 }`; `false` verifies every call. Same name as core's option.
   */
  verifiedTokenCache?: VerifiedTokenCacheOptions | VerifiedTokenCache | false
  /**
   * This API's private keys for encrypted access tokens: a JWE (RFC 7516) whose plaintext is the
   * signed JWT (RFC 7519 §5.2, `cty` `JWT` or `at+jwt`), decrypted and then verified like any
   * other. Each a private JWK with its `alg` (and `kid`), or `{ key, alg, kid? }` with a
   * `CryptoKey`. Several keys for rotation: a JWE's `kid` and `alg` pick the key, and an `alg` is
   * only ever used with the key configured for it. `jose` is loaded on the first encrypted token.
   */
  decryptionKeys?: (DecryptionKey | PrivateJwk)[]
  /**
   * `optional` (the default with `decryptionKeys`): encrypted and plain tokens are both accepted.
   * `required`: plain JWS tokens are refused (`ERR_JWE_REQUIRED`); needs `decryptionKeys`.
   * `refused` (the default without keys): encrypted tokens are refused (`ERR_JWE_NOT_ACCEPTED`).
   */
  encryption?: 'optional' | 'required' | 'refused'
  /**
   * Accepted JWE `alg` values. Default RSA-OAEP-256, ECDH-ES, ECDH-ES+A128KW, ECDH-ES+A256KW.
   * PBES2, `dir`, RSA1_5 and shared-secret key wraps are never accepted.
   */
  keyManagementAlgorithms?: string[]
  /** Accepted JWE `enc` values. Default A128GCM, A256GCM. */
  contentEncryptionAlgorithms?: string[]
  /**
   * Accepts compressed JWEs (`zip: "DEF"`), inflating at most this many bytes. Default: refused
   * (a decompression bomb costs the sender nothing, RFC 8725 §3.6).
   */
  maxDecompressedBytes?: number
  /** A Fetch API implementation for discovery and JWKS. */
  fetch?: typeof fetch
  /**
   * Milliseconds before a discovery or JWKS request fails with `ERR_TIMEOUT`: a whole number from
   * 1 to 2 147 483 647. Default 30 000.
   */
  timeout?: number
  /** Allows an `http:` issuer. For local development and tests only. */
  allowInsecureRequests?: boolean
  /**
   * Server metadata to use instead of discovering it: its `issuer` must be the `issuer` option
   * exactly, and it needs a `jwks_uri`.
   */
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
   * The cache of verified tokens (`size`, `hits`, `clear()`); `undefined` with
   * `verifiedTokenCache: false`.
   */
  readonly verifiedTokenCache: VerifiedTokenCache | undefined
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
  const { issuer: issuerOption, audience, algorithms, realm } = options
  const http = toHttpOptions({
    fetch: options.fetch,
    timeout: options.timeout,
    allowInsecureRequests: options.allowInsecureRequests,
  })
  const issuerUrl = assertIssuer(issuerOption, {
    allowInsecureRequests: http.allowInsecureRequests === true,
  })
  if (typeof audience !== 'string' || audience === '') {
    throw invalidArgument('audience', 'a non-empty string')
  }
  if (algorithms !== undefined) checkAlgorithms(algorithms)
  const clockTolerance = numberOption(
    options.clockTolerance,
    'clockTolerance',
    'a number of seconds ≥ 0',
    { min: 0 },
  )
  const maxTokenLength = numberOption(
    options.maxTokenLength,
    'maxTokenLength',
    'a positive whole number of characters',
    { min: 1, integer: true },
  )
  // Written into `WWW-Authenticate` as a quoted string (RFC 6750 §3); core would replace any other
  // character, so the challenge would name another realm than the one configured.
  if (realm !== undefined && typeof realm !== 'string') throw invalidArgument('realm', 'a string')
  if (realm !== undefined && !/^[\x20\x21\x23-\x5b\x5d-\x7e]*$/.test(realm)) {
    throw invalidArgument(
      'realm',
      'printable ASCII without double quote or backslash',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  const issuer = typeof issuerOption === 'string' ? issuerOption : issuerUrl.href
  if (options.metadata !== undefined) assertMetadata(options.metadata, issuer, ['jwks_uri'])
  const cache = verifiedTokenCacheOf(options.verifiedTokenCache)
  const jwksCache = jwksCacheOf(options.jwksCache)
  const { decryptor, requireEncryption } = decryptionOf(options)
  const headerDecryptor = decryptor && headerChecksOf(decryptor)
  // One object shape for every call (absent options are `undefined`, which core defaults): a
  // literal is cheaper than spreading a base object per request.
  const allowed = algorithms && [...algorithms] // a later change to the caller's array is not ours
  const optionsWith = (scopes: string[] | undefined): VerifyJwtAccessTokenOptions => ({
    audience,
    scopes,
    algorithms: allowed,
    clockTolerance,
    maxTokenLength,
    jwksCache,
    verifiedTokenCache: cache,
    http,
    realm,
    decryptor,
    requireEncryption,
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
    verifiedTokenCache: cache,
    // Not async: core's promise is handed back as is, which spares an extra promise and its
    // microtask turns per request. Nothing before that call can throw.
    verify(authorization, verifyOptions) {
      const scopes = verifyOptions?.scopes
      const verifyOptionsOf = scopes ? optionsWith(scopes) : base
      const metadata =
        options.metadata ?? (known && Date.now() - known.at < 60_000 ? known.metadata : undefined)
      if (metadata) return verifyJwtAccessToken(metadata, authorization, verifyOptionsOf)
      // Metadata not at hand: core's checks of the header come first. They need no metadata, so a
      // request refused anyway (no token, a query-string token, another scheme, not a JWT...) is
      // answered 401/400 without discovery: anonymous traffic causes no requests to the issuer,
      // and is not told 500 while the issuer is unreachable.
      return verifyJwtAccessToken({ issuer }, authorization, {
        ...verifyOptionsOf,
        jwksCache: headerChecksOnly,
        verifiedTokenCache: undefined,
        decryptor: headerDecryptor,
      }).then(
        () => Promise.reject(new Error('unreachable: the header checks end at the key lookup')),
        (err: unknown) => {
          if (err !== HEADER_CHECKED) throw err
          return discoverMetadata().then((discovered) =>
            verifyJwtAccessToken(discovered, authorization, verifyOptionsOf),
          )
        },
      )
    },
  }
}

// Core looks up the key only once the header has passed every check that needs no key: this
// cache ends verification right there.
const HEADER_CHECKED = new Error('the header passed the checks that need no metadata')
const headerChecksOnly: JwksCache = {
  keysFor: () => Promise.reject(HEADER_CHECKED),
  fetchCount: 0,
  clear() {},
}

// Every asymmetric JWS algorithm oauth4webapi verifies: a misspelt one fails here, not as a
// refusal of every token. Never `none` or HMAC (a JWKS of public keys cannot check a MAC).
function checkAlgorithms(algorithms: unknown): void {
  if (!Array.isArray(algorithms) || !algorithms.every((alg) => typeof alg === 'string')) {
    throw invalidArgument('algorithms', 'an array of strings')
  }
  if (algorithms.length === 0 || !algorithms.every((alg) => SUPPORTED_JWS_ALGORITHMS.has(alg))) {
    throw invalidArgument(
      'algorithms',
      'a non-empty list of asymmetric JWS algorithms (RS256, PS256, ES256, EdDSA, ...)',
      'ERR_INVALID_ARG_VALUE',
    )
  }
}

// The same pass for an encrypted token: its JWE header is checked against the policy (no key
// work, no jose), and decryption waits for the metadata.
function headerChecksOf(decryptor: JweDecryptor): JweDecryptor {
  return {
    checkHeader: (jwe) => decryptor.checkHeader(jwe),
    decrypt: (jwe) => {
      decryptor.checkHeader(jwe)
      return Promise.reject(HEADER_CHECKED)
    },
  }
}

function decryptionOf(options: AccessTokenVerifierOptions): {
  decryptor: JweDecryptor | undefined
  requireEncryption: boolean
} {
  const { decryptionKeys: keys, encryption } = options
  if (
    encryption !== undefined &&
    encryption !== 'optional' &&
    encryption !== 'required' &&
    encryption !== 'refused'
  ) {
    throw invalidArgument(
      'encryption',
      '"optional", "required" or "refused"',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  if (keys === undefined) {
    if (encryption === 'required' || encryption === 'optional') {
      throw invalidArgument('decryptionKeys', `given with encryption "${encryption}"`)
    }
    return { decryptor: undefined, requireEncryption: false }
  }
  let decryptor: JweDecryptor
  try {
    decryptor = createJweDecryptor({
      keys,
      keyManagementAlgorithms: options.keyManagementAlgorithms,
      contentEncryptionAlgorithms: options.contentEncryptionAlgorithms,
      maxDecompressedBytes: options.maxDecompressedBytes,
      // RFC 7519 §5.2: a nested JWT says so; RFC 9068 issuers may say at+jwt.
      contentTypes: ['JWT', 'at+jwt'],
    })
  } catch (err) {
    throw renameArgument(err, '"keys', '"decryptionKeys')
  }
  return {
    decryptor: encryption === 'refused' ? undefined : decryptor,
    requireEncryption: encryption === 'required',
  }
}

function jwksCacheOf(option: JwksCacheOptions | JwksCache | undefined): JwksCache {
  if (option !== undefined && (typeof option !== 'object' || option === null)) {
    throw invalidArgument('jwksCache', 'an object')
  }
  if (option !== undefined && typeof (option as JwksCache).keysFor === 'function') {
    return option as JwksCache
  }
  try {
    return createJwksCache(option as JwksCacheOptions | undefined)
  } catch (err) {
    throw renameArgument(err, '"options.', '"jwksCache.')
  }
}

function verifiedTokenCacheOf(
  option: VerifiedTokenCacheOptions | VerifiedTokenCache | false | undefined,
): VerifiedTokenCache | undefined {
  if (option === false) return undefined
  if (option !== undefined && (typeof option !== 'object' || option === null)) {
    throw invalidArgument('verifiedTokenCache', 'an object or false')
  }
  // A cache made by createVerifiedTokenCache(), shared: core checks it is one.
  if (option !== undefined && typeof (option as VerifiedTokenCache).clear === 'function') {
    return option as VerifiedTokenCache
  }
  try {
    return createVerifiedTokenCache(option as VerifiedTokenCacheOptions | undefined)
  } catch (err) {
    throw renameArgument(err, '"options.', '"verifiedTokenCache.')
  }
}
