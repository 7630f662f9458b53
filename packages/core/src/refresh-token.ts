import * as oauth from 'oauth4webapi'
import { assertString } from './assert.js'
import { type TokenResult, toTokenResult, verifyIdTokenSignature } from './authorization-code.js'
import type { ClientContext } from './client-context.js'
import { OAuthKitError } from './errors.js'
import { requestOptionsFor } from './request-options.js'
import { rethrow } from './to-oauthkit-error.js'
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
  expectedSubject?: string
  /** Cancels the request. */
  signal?: AbortSignal
}

/**
 * Exchanges a refresh token for new tokens (RFC 6749 §6). Rotation aware: when the response has
 * no `refresh_token` the one presented is kept in the result (RFC 6749 §6 lets the server omit
 * it), when it has one the old one is gone for good (RFC 9700 §4.14.2).
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
    await verifyIdTokenSignature(context, response, body, options?.signal)
    result = toTokenResult(body)
  } catch (err) {
    rethrow(err)
  }
  if (
    options?.expectedSubject !== undefined &&
    result.claims &&
    result.claims.sub !== options.expectedSubject
  ) {
    throw new OAuthKitError('refreshed ID Token names another subject', {
      code: 'ERR_SUBJECT_MISMATCH',
    })
  }
  result.tokenSet.refreshToken ??= refreshToken
  return result
}
