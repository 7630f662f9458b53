import * as oauth from 'oauth4webapi'
import { toUrl } from './assert.js'
import type { AuthorizationTransaction } from './authorization-url.js'
import { checkIdTokenOf } from './check-id-token-claims.js'
import type { ClientContext } from './client-context.js'
import { invalidResponse, OAuthKitError } from './errors.js'
import { requestOptionsFor } from './request-options.js'
import { rethrow } from './to-oauthkit-error.js'
import { type TokenSet, toTokenSet } from './token-set.js'
import { verifyIdTokenSignature } from './verify-id-token.js'
import { withDPoPRetry } from './with-dpop-retry.js'

/** ID Token claims (OpenID Connect Core §2), validated. */
export type IdTokenClaims = oauth.IDToken

/** The outcome of a token request that may carry an ID Token. */
export interface TokenResult {
  /** The tokens. */
  tokenSet: TokenSet
  /** The ID Token's claims, validated (signature, `iss`, `aud`, `exp`, `iat`, `nonce`). */
  claims?: IdTokenClaims
  /**
   * Only from a refresh: an ID Token whose claims passed but whose signature could not be checked
   * because the issuer's keys were out of reach (OIDC Core §3.1.3.7 lets TLS stand in for it on
   * the token endpoint). It is not in `tokenSet` and its claims are not in `claims`; check it
   * later with {@link verifyIdToken}. The rest of the response (a rotated refresh token
   * included) is valid and must be kept.
   */
  pendingIdToken?: string
}

/** Options of {@link authorizationCodeGrant}. */
export interface AuthorizationCodeGrantOptions {
  /** Cancels the token request. */
  signal?: AbortSignal
}

// Parameters an authorization-code callback must never carry: tokens belong to the back channel.
const FRONT_CHANNEL_TOKENS = ['access_token', 'id_token', 'refresh_token', 'token_type']

/**
 * Validates the authorization response in `callbackUrl` and exchanges its code for tokens:
 * `state` must match the transaction (RFC 6749 §10.12), the RFC 9207 `iss` parameter must name the
 * issuer when the server supports it, the PKCE verifier is sent (RFC 7636 §4.5), and the ID Token
 * is validated in full, its signature against the issuer's `jwks_uri` and `nonce` included
 * (OIDC Core §3.1.3.7). The code is exchanged once: never
 * retried (RFC 6749 §4.1.2 makes codes single-use).
 *
 * @throws `ERR_ISSUER_MISMATCH` (RFC 9207 `iss`, or a transaction of another issuer),
 *   `ERR_STATE_MISMATCH`, `ERR_INVALID_RESPONSE`, {@link OAuthResponseError} for `error=`
 *   callbacks and token endpoint errors, oauth4webapi codes for failed ID Token checks.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
export async function authorizationCodeGrant(
  context: ClientContext,
  callbackUrl: string | URL,
  transaction: AuthorizationTransaction,
  options?: AuthorizationCodeGrantOptions,
): Promise<TokenResult> {
  const url = toUrl(callbackUrl, 'callbackUrl')
  const { metadata, client } = context
  const { issuer } = metadata
  if (transaction.issuer !== issuer) {
    throw issuerMismatch('the transaction belongs to another issuer')
  }
  const params = url.searchParams
  // RFC 9207 §2.4, checked before anything else in the response (an `error=` included): a
  // callback that names another issuer, or none when this one promises to, may be a mix-up.
  const iss = params.getAll('iss')
  if (iss.length === 0 && metadata.authorization_response_iss_parameter_supported === true) {
    throw issuerMismatch('callback has no "iss", which the server promises (RFC 9207)')
  }
  if (iss.length > 1 || (iss.length === 1 && iss[0] !== issuer)) {
    throw issuerMismatch('callback "iss" is not the issuer (RFC 9207)')
  }
  if (params.get('state') !== transaction.state) {
    throw new OAuthKitError('callback "state" does not match the transaction', {
      code: 'ERR_STATE_MISMATCH',
    })
  }
  const fragment = new URLSearchParams(url.hash.slice(1))
  const token = FRONT_CHANNEL_TOKENS.find((name) => params.has(name) || fragment.has(name))
  if (token) throw invalidResponse(`code flow callback carries "${token}"`)
  try {
    const validated = oauth.validateAuthResponse(metadata, client, params, transaction.state)
    const isOpenId = transaction.scope.split(' ').includes('openid')
    // oauth4webapi reports a DPoP nonce demand while processing the response, so the retry
    // covers request and processing together.
    const { response, body } = await withDPoPRetry(context, async () => {
      const response = await oauth.authorizationCodeGrantRequest(
        metadata,
        client,
        context.clientAuth,
        validated,
        transaction.redirectUri,
        transaction.codeVerifier,
        requestOptionsFor(context, options?.signal),
      )
      const body = await oauth.processAuthorizationCodeResponse(metadata, client, response, {
        // The JWE decryption hook, when withJweDecryption() put one on the client.
        ...client,
        expectedNonce: transaction.nonce ?? oauth.expectNoNonce,
        requireIdToken: isOpenId,
        // §3.1.3.7 item 13: with max_age requested, auth_time is required and checked.
        ...(transaction.maxAge === undefined ? {} : { maxAge: transaction.maxAge }),
      })
      return { response, body }
    })
    await checkIdTokenOf(context, body)
    await verifyIdTokenSignature(context, response, body, options?.signal)
    return toTokenResult(body)
  } catch (err) {
    rethrow(err)
  }
}

function issuerMismatch(message: string): OAuthKitError {
  return new OAuthKitError(message, { code: 'ERR_ISSUER_MISMATCH' })
}

/** Converts a processed token response into a {@link TokenResult}. */
export function toTokenResult(body: oauth.TokenEndpointResponse): TokenResult {
  const result: TokenResult = { tokenSet: toTokenSet(body) }
  const claims = oauth.getValidatedIdTokenClaims(body)
  if (claims) result.claims = claims
  return result
}
