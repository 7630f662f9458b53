import * as oauth from 'oauth4webapi'
import { assertString } from './assert.js'
import type { ClientContext } from './client-context.js'
import { OAuthKitError } from './errors.js'
import { requestOptionsFor } from './request-options.js'
import { rethrow } from './to-oauthkit-error.js'

/** An introspection response (RFC 7662 §2.2), wire spelling. */
export type IntrospectionResponse = oauth.IntrospectionResponse

/** Options of {@link introspectToken}. */
export interface IntrospectTokenOptions {
  /** `access_token` or `refresh_token` (RFC 7662 §2.1). */
  tokenTypeHint?: 'access_token' | 'refresh_token'
  /** Cancels the request. */
  signal?: AbortSignal
  /**
   * Asks for a JWT response (RFC 9701 §4: `Accept: application/token-introspection+jwt`), signed
   * by the server and, when the client is registered for it, encrypted to the client
   * (`introspection_encrypted_response_alg`). Its signature is checked against the issuer's keys.
   */
  requestJwtResponse?: boolean
}

/**
 * Asks the server whether `token` is active and what it grants (RFC 7662).
 *
 * @throws `ERR_UNSUPPORTED` when the server has no introspection endpoint.
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 */
export async function introspectToken(
  context: ClientContext,
  token: string,
  options?: IntrospectTokenOptions,
): Promise<IntrospectionResponse> {
  assertString(token, 'token')
  if (!context.metadata.introspection_endpoint) {
    throw new OAuthKitError('server has no introspection endpoint', { code: 'ERR_UNSUPPORTED' })
  }
  try {
    const response = await oauth.introspectionRequest(
      context.metadata,
      context.client,
      context.clientAuth,
      token,
      {
        ...requestOptionsFor(context, options?.signal),
        requestJwtResponse: options?.requestJwtResponse === true,
        ...(options?.tokenTypeHint
          ? { additionalParameters: { token_type_hint: options.tokenTypeHint } }
          : {}),
      },
    )
    const result = await oauth.processIntrospectionResponse(
      context.metadata,
      context.client,
      response,
      context.client, // its JWE decryption hook, if any (withJweDecryption)
    )
    if (response.headers.get('content-type')?.startsWith('application/token-introspection+jwt')) {
      await oauth.validateApplicationLevelSignature(
        context.metadata,
        response,
        requestOptionsFor(context, options?.signal),
      )
    }
    return result
  } catch (err) {
    rethrow(err)
  }
}
