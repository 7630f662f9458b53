import * as oauth from 'oauth4webapi'
import { assertString } from './assert.js'
import { type IdTokenClaims, type TokenResult, toTokenResult } from './authorization-code.js'
import { checkIdTokenOf, checkSubject } from './check-id-token-claims.js'
import type { ClientContext } from './client-context.js'
import { requestOptionsFor } from './request-options.js'
import { rethrow } from './to-oauthkit-error.js'
import { isKeysUnavailable, verifyIdTokenSignature } from './verify-id-token.js'
import { withDPoPRetry } from './with-dpop-retry.js'

/** Options of {@link refreshTokenGrant}. */
export interface RefreshTokenGrantOptions {
  /** A narrower scope (RFC 6749 §6). */
  scope?: string
  /** RFC 8707 resource indicator(s). */
  resource?: string | string[]
  /**
   * The `sub` of the session's ID Token. A refreshed ID Token for another subject is refused
   * (OIDC Core §12.2).
   */
  expectedSubject?: string | undefined
  /**
   * The claims of the session's ID Token: a refreshed ID Token must then keep its `iss`, `sub`,
   * `aud`, `azp` and `auth_time`, and carry no other `nonce` (OIDC Core §12.2).
   */
  previousClaims?: IdTokenClaims | undefined
  /** Cancels the request. */
  signal?: AbortSignal
}

/**
 * Exchanges a refresh token for new tokens (RFC 6749 §6). Rotation aware: when the response has
 * no `refresh_token` the one presented is kept in the result (RFC 6749 §6 lets the server omit
 * it), when it has one the old one is gone for good (RFC 9700 §4.14.2).
 *
 * When the issuer's keys are out of reach (a JWKS fetch failing), the response is still returned,
 * its ID Token in `pendingIdToken` for a later {@link verifyIdToken}: the refresh token may have
 * rotated, and dropping the response would lose the session. A signature that does not verify is
 * refused as before.
 *
 * @throws {@link OAuthResponseError} (`invalid_grant` when the refresh token was refused),
 *   `ERR_SUBJECT_MISMATCH` when a refreshed ID Token names another user.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 */
export async function refreshTokenGrant(
  context: ClientContext,
  refreshToken: string,
  options?: RefreshTokenGrantOptions,
): Promise<TokenResult> {
  assertString(refreshToken, 'refreshToken')
  const params = new URLSearchParams()
  if (options?.scope) params.set('scope', options.scope)
  for (const resource of [options?.resource ?? []].flat()) params.append('resource', resource)
  let result: TokenResult
  try {
    // The nonce demand surfaces while processing the response: retry both together.
    const { response, body } = await withDPoPRetry(context, async () => {
      const response = await oauth.refreshTokenGrantRequest(
        context.metadata,
        context.client,
        context.clientAuth,
        refreshToken,
        { ...requestOptionsFor(context, options?.signal), additionalParameters: params },
      )
      const body = await oauth.processRefreshTokenResponse(
        context.metadata,
        context.client,
        response,
        context.client, // its JWE decryption hook, if any (withJweDecryption)
      )
      return { response, body }
    })
    result = toTokenResult(body)
    // Claims that fail prove the response bad whatever the signature says.
    if (result.claims) checkSubject(result.claims, options?.expectedSubject)
    await checkIdTokenOf(context, body, options?.previousClaims)
    try {
      await verifyIdTokenSignature(context, response, body, options?.signal)
    } catch (err) {
      // The server has already rotated the refresh token: losing this response to a JWKS outage
      // would log the user out at the next refresh. Keep it; the ID Token waits for its check.
      if (!(isKeysUnavailable(err) && result.tokenSet.idToken)) throw err
      result.pendingIdToken = result.tokenSet.idToken
      delete result.tokenSet.idToken
      delete result.claims
    }
  } catch (err) {
    rethrow(err)
  }
  result.tokenSet.refreshToken ??= refreshToken
  return result
}
