import * as oauth from 'oauth4webapi'
import type { ClientContext } from './client-context.js'
import { requestOptionsFor } from './request-options.js'
import { rethrow } from './to-oauthkit-error.js'
import { type TokenSet, toTokenSet } from './token-set.js'
import { withDPoPRetry } from './with-dpop-retry.js'

/** Parameters of {@link clientCredentialsGrant}. */
export interface ClientCredentialsParameters {
  /** Space-separated scopes. */
  scope?: string
  /** RFC 8707 resource indicator(s). */
  resource?: string | string[]
  /** Cancels the request. */
  signal?: AbortSignal
}

/**
 * Requests a token for the client itself (RFC 6749 §4.4), uncached. Backends want
 * `@oauthkit/node`'s cached `clientCredentials()` instead.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 */
export async function clientCredentialsGrant(
  context: ClientContext,
  parameters?: ClientCredentialsParameters,
): Promise<TokenSet> {
  const params = new URLSearchParams()
  if (parameters?.scope) params.set('scope', parameters.scope)
  for (const resource of [parameters?.resource ?? []].flat()) params.append('resource', resource)
  try {
    // The nonce demand surfaces while processing the response: retry both together.
    const body = await withDPoPRetry(context, async () => {
      const response = await oauth.clientCredentialsGrantRequest(
        context.metadata,
        context.client,
        context.clientAuth,
        params,
        requestOptionsFor(context, parameters?.signal),
      )
      return oauth.processClientCredentialsResponse(context.metadata, context.client, response)
    })
    return toTokenSet(body)
  } catch (err) {
    rethrow(err)
  }
}
