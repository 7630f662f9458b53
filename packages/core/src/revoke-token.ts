import * as oauth from 'oauth4webapi'
import { assertString } from './assert.js'
import type { ClientContext } from './client-context.js'
import { OAuthKitError } from './errors.js'
import { requestOptionsFor } from './request-options.js'
import { rethrow } from './to-oauthkit-error.js'

/** Options of {@link revokeToken}. */
export interface RevokeTokenOptions {
  /** `access_token` or `refresh_token` (RFC 7009 §2.1). */
  tokenTypeHint?: 'access_token' | 'refresh_token'
  /** Cancels the request. */
  signal?: AbortSignal
}

/**
 * Revokes a token at the server (RFC 7009). Revoking a refresh token also ends the grant's
 * access tokens at most servers.
 *
 * @throws `ERR_UNSUPPORTED` when the server has no revocation endpoint.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
export async function revokeToken(
  context: ClientContext,
  token: string,
  options?: RevokeTokenOptions,
): Promise<void> {
  assertString(token, 'token')
  if (!context.metadata.revocation_endpoint) {
    throw new OAuthKitError('server has no revocation endpoint', { code: 'ERR_UNSUPPORTED' })
  }
  try {
    const response = await oauth.revocationRequest(
      context.metadata,
      context.client,
      context.clientAuth,
      token,
      {
        ...requestOptionsFor(context, options?.signal),
        additionalParameters: options?.tokenTypeHint
          ? { token_type_hint: options.tokenTypeHint }
          : undefined,
      },
    )
    await oauth.processRevocationResponse(response)
  } catch (err) {
    rethrow(err)
  }
}
