import type { ClientContext } from './client-context.js'
import { OAuthKitError } from './errors.js'

/** Parameters of {@link buildEndSessionUrl}. */
export interface EndSessionParameters {
  /** The ID Token of the session, so the server knows whom to log out without asking. */
  idTokenHint?: string
  /** Where to send the user afterwards; must be registered for the client. */
  postLogoutRedirectUri?: string
  /** Returned unchanged to `postLogoutRedirectUri`. */
  state?: string
}

/**
 * Builds the RP-initiated logout URL (OpenID Connect RP-Initiated Logout 1.0 §2).
 *
 * @throws `ERR_UNSUPPORTED` when the server has no `end_session_endpoint`.
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 */
export function buildEndSessionUrl(context: ClientContext, parameters?: EndSessionParameters): URL {
  const endpoint = context.metadata.end_session_endpoint
  if (!endpoint) {
    throw new OAuthKitError('server has no end_session_endpoint', { code: 'ERR_UNSUPPORTED' })
  }
  const url = new URL(endpoint)
  url.searchParams.set('client_id', context.client.client_id)
  if (parameters?.idTokenHint) url.searchParams.set('id_token_hint', parameters.idTokenHint)
  if (parameters?.postLogoutRedirectUri) {
    url.searchParams.set('post_logout_redirect_uri', parameters.postLogoutRedirectUri)
  }
  if (parameters?.state) url.searchParams.set('state', parameters.state)
  return url
}
