import * as oauth from 'oauth4webapi'
import { assertString } from './assert.js'
import type { ClientContext } from './client-context.js'
import { requestOptionsFor } from './request-options.js'
import { rethrow } from './to-oauthkit-error.js'
import { withDPoPRetry } from './with-dpop-retry.js'

/** A UserInfo response (OIDC Core §5.3.2), wire spelling. */
export type UserInfo = oauth.UserInfoResponse

/** Options of {@link fetchUserInfo}. */
export interface FetchUserInfoOptions {
  /**
   * The `sub` of the ID Token. The UserInfo `sub` must equal it (OIDC Core §5.3.4); pass it
   * whenever you have an ID Token.
   */
  expectedSubject?: string
  /** Cancels the request. */
  signal?: AbortSignal
}

/**
 * Fetches the user's claims from the UserInfo endpoint (OIDC Core §5.3).
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
 */
export async function fetchUserInfo(
  context: ClientContext,
  accessToken: string,
  options?: FetchUserInfoOptions,
): Promise<UserInfo> {
  assertString(accessToken, 'accessToken')
  try {
    // A resource server's nonce demand (RFC 9449 §9) surfaces while processing the response.
    return await withDPoPRetry(context, async () => {
      const response = await oauth.userInfoRequest(
        context.metadata,
        context.client,
        accessToken,
        requestOptionsFor(context, options?.signal),
      )
      const claims = await oauth.processUserInfoResponse(
        context.metadata,
        context.client,
        options?.expectedSubject ?? oauth.skipSubjectCheck,
        response,
        context.client, // its JWE decryption hook, if any (withJweDecryption)
      )
      // A signed (perhaps also encrypted) UserInfo response (OIDC Core §5.3.2): oauth4webapi
      // checks its claims, the signature against the issuer's keys is checked here.
      if (response.headers.get('content-type')?.startsWith('application/jwt')) {
        await oauth.validateApplicationLevelSignature(
          context.metadata,
          response,
          requestOptionsFor(context, options?.signal),
        )
      }
      return claims
    })
  } catch (err) {
    rethrow(err)
  }
}
