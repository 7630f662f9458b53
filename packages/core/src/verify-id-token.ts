import * as oauth from 'oauth4webapi'
import type { IdTokenClaims } from './authorization-code.js'
import { checkIdTokenOf, checkSubject } from './check-id-token-claims.js'
import type { ClientContext } from './client-context.js'
import { OAuthKitError } from './errors.js'
import { requestOptionsFor } from './request-options.js'
import { toOAuthKitError } from './to-oauthkit-error.js'

/**
 * Verifies the signature of the ID Token in a processed token response against the keys at the
 * issuer's `jwks_uri`. oauth4webapi checks the ID Token's claims and that its `alg` is one the
 * server advertises, but not its signature: without this, anyone who can answer the token request
 * (a mis-issued certificate, a compromised proxy, a mix-up) could name any user in `sub`. Keys
 * offered in the token's own header (`jwk`, `jku`, `x5u`, `x5c`) are never used; `none` and
 * HMAC algorithms are refused.
 *
 * @internal
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 */
export async function verifyIdTokenSignature(
  context: ClientContext,
  response: Response,
  body: oauth.TokenEndpointResponse,
  signal?: AbortSignal,
): Promise<void> {
  if (body.id_token === undefined) return
  await oauth.validateApplicationLevelSignature(
    context.metadata,
    response,
    requestOptionsFor(context, signal),
  )
}

// What says the keys could not be had, rather than that the token is bad: the JWKS request did not
// get through, or its answer was not a key set at all.
const KEYS_UNAVAILABLE = new Set([
  'ERR_NETWORK',
  'ERR_TIMEOUT',
  'ERR_ABORTED',
  'ERR_SERVER',
  'ERR_RESPONSE_TOO_LARGE',
  oauth.PARSE_ERROR,
  oauth.RESPONSE_IS_NOT_JSON,
  oauth.RESPONSE_IS_NOT_CONFORM,
])

/**
 * Whether `err`, thrown while checking an ID Token's signature, means that the issuer's keys
 * could not be fetched (a network failure, a 5xx, a body that is no JWK set) rather than that the
 * token is bad. Only then may a token response be kept with its ID Token checked later: OIDC Core
 * §3.1.3.7 lets TLS stand in for the signature of a token endpoint response, while a signature
 * that does not verify, or no matching key, proves the response bad.
 *
 * @internal
 */
export function isKeysUnavailable(err: unknown): boolean {
  const { code } = toOAuthKitError(err) as { code?: unknown }
  return typeof code === 'string' && KEYS_UNAVAILABLE.has(code)
}

/** Options of {@link verifyIdToken}. */
export interface VerifyIdTokenOptions {
  /** The `sub` the ID Token must name (OIDC Core §12.2). */
  expectedSubject?: string | undefined
  /** The claims of the session's validated ID Token, for the checks of OIDC Core §12.2. */
  previousClaims?: IdTokenClaims | undefined
  /** Cancels the JWKS request. */
  signal?: AbortSignal
}

/**
 * Validates an ID Token that came from this client's token endpoint but could not be checked in
 * full then (the issuer's keys were out of reach): its claims as OIDC Core §3.1.3.7 prescribes
 * for a token endpoint response (`iss`, `aud`, `azp`, `exp`, `iat`) and its signature. Returns
 * the validated claims. An encrypted ID Token (a JWE, kept as the server sent it) is decrypted
 * with the context's decryption hook (`withJweDecryption`) first.
 *
 * @throws `ERR_SUBJECT_MISMATCH` for another subject; oauth4webapi codes for failed checks
 *   (`OAUTH_JWT_TIMESTAMP_CHECK_FAILED` once it has expired); transport codes when the keys are
 *   still out of reach ({@link isKeysUnavailable} is then true).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#TokenResponseValidation
 */
export async function verifyIdToken(
  context: ClientContext,
  idToken: string,
  options?: VerifyIdTokenOptions,
): Promise<IdTokenClaims> {
  // oauth4webapi validates ID Tokens only as part of a token response: give it one that holds
  // nothing but this ID Token, with the same client and metadata as the original exchange.
  const response = new Response(
    JSON.stringify({ access_token: '-', token_type: 'bearer', id_token: idToken }),
    { headers: { 'content-type': 'application/json' } },
  )
  let claims: IdTokenClaims | undefined
  try {
    const body = await oauth.processRefreshTokenResponse(
      context.metadata,
      context.client,
      response,
      // An encrypted ID Token (OIDC Core §10.2) is kept as received: decrypt it again here.
      context.client, // its JWE decryption hook, if any (withJweDecryption)
    )
    // `at_hash` was checked when the ID Token arrived; this response holds no access token.
    await checkIdTokenOf(context, body, options?.previousClaims, false)
    await verifyIdTokenSignature(context, response, body, options?.signal)
    claims = oauth.getValidatedIdTokenClaims(body)
  } catch (err) {
    throw toOAuthKitError(err)
  }
  if (!claims) throw new OAuthKitError('no ID Token to verify', { code: 'ERR_INVALID_RESPONSE' })
  checkSubject(claims, options?.expectedSubject)
  return claims
}
