import * as oauth from 'oauth4webapi'
import { assertString, invalidArgument, toUrl } from './assert.js'
import type { ClientContext } from './client-context.js'
import { invalidResponse } from './errors.js'
import { requestOptionsFor } from './request-options.js'
import { rethrow } from './to-oauthkit-error.js'
import { withDPoPRetry } from './with-dpop-retry.js'

/** Parameters of {@link buildAuthorizationUrl}. */
export interface AuthorizationUrlParameters {
  /** Where the server sends the user back; must match a registered URI exactly (RFC 9700 §2.1). */
  redirectUri: string
  /** Space-separated scopes. `openid` makes it an OpenID Connect request with a `nonce`. */
  scope: string
  /** RFC 8707 resource indicator(s) for the API the access token is meant for. */
  resource?: string | string[]
  /** OIDC `prompt`, for example `login` or `consent`. */
  prompt?: string
  /** OIDC `login_hint`. */
  loginHint?: string
  /** More authorization request parameters. Cannot override the security parameters. */
  extraParams?: Record<string, string>
  /** Send the request by PAR (RFC 9126). Default: when the server requires it. */
  pushedAuthorizationRequest?: boolean
  /** Cancels the PAR request, if one is made. */
  signal?: AbortSignal
}

/**
 * What the client must keep between sending the user away and the callback. It holds the PKCE
 * verifier: store it where only this client can read it, and use it once.
 */
export interface AuthorizationTransaction {
  /** The issuer the request went to; the callback must come from it. */
  issuer: string
  /** The CSRF-protecting `state` (RFC 6749 §10.12). */
  state: string
  /** The OIDC `nonce`, when `scope` includes `openid`. */
  nonce?: string
  /** The PKCE `code_verifier` (RFC 7636 §4.1). Secret. */
  codeVerifier: string
  /** The redirect URI of the request; the token request repeats it (RFC 6749 §4.1.3). */
  redirectUri: string
  /** The scope requested. */
  scope: string
  /** When the transaction was created, epoch milliseconds. */
  createdAt: number
  /**
   * The `max_age` requested through `extraParams`, in seconds: the ID Token must then carry an
   * `auth_time` no older than that (OIDC Core §3.1.2.1, §3.1.3.7).
   */
  maxAge?: number
}

/** The result of {@link buildAuthorizationUrl}. */
export interface AuthorizationRequest {
  /** The URL to send the user to. */
  url: URL
  /** Keep this for the callback. */
  transaction: AuthorizationTransaction
}

// Parameters the SDK owns: a caller's extraParams cannot weaken them.
const RESERVED = new Set([
  'client_id',
  'response_type',
  'redirect_uri',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'request_uri',
])

/**
 * Builds an authorization request (RFC 6749 §4.1.1) with PKCE S256 (RFC 7636 §4.2), a fresh
 * `state`, and a `nonce` for OpenID Connect. There is no switch for the `plain` PKCE method.
 * When the server requires PAR (RFC 9126), or `pushedAuthorizationRequest` is set, the
 * parameters are pushed first and the URL carries only `client_id` and `request_uri`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1
 */
export async function buildAuthorizationUrl(
  context: ClientContext,
  parameters: AuthorizationUrlParameters,
): Promise<AuthorizationRequest> {
  assertString(parameters?.redirectUri, 'redirectUri')
  toUrl(parameters.redirectUri, 'redirectUri')
  assertString(parameters.scope, 'scope')
  const { metadata, client } = context
  if (!metadata.authorization_endpoint) {
    throw invalidResponse('server metadata has no "authorization_endpoint"')
  }
  const codeVerifier = oauth.generateRandomCodeVerifier()
  const transaction: AuthorizationTransaction = {
    issuer: metadata.issuer,
    state: oauth.generateRandomState(),
    codeVerifier,
    redirectUri: parameters.redirectUri,
    scope: parameters.scope,
    createdAt: Date.now(),
  }
  if (parameters.scope.split(' ').includes('openid')) {
    transaction.nonce = oauth.generateRandomNonce()
  }
  const maxAge = parameters.extraParams?.max_age
  if (maxAge !== undefined) {
    if (!/^\d+$/.test(maxAge)) {
      throw invalidArgument('extraParams.max_age', 'a number of seconds', 'ERR_INVALID_ARG_VALUE')
    }
    transaction.maxAge = Number(maxAge)
  }
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(parameters.extraParams ?? {})) {
    if (!RESERVED.has(key)) params.set(key, value)
  }
  // Absent (or empty) optional parameters are left out.
  for (const [key, value] of Object.entries({
    client_id: client.client_id,
    response_type: 'code',
    redirect_uri: parameters.redirectUri,
    scope: parameters.scope,
    state: transaction.state,
    code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    nonce: transaction.nonce,
    prompt: parameters.prompt,
    login_hint: parameters.loginHint,
  })) {
    if (value) params.set(key, value)
  }
  for (const resource of [parameters.resource ?? []].flat()) params.append('resource', resource)

  const url = new URL(metadata.authorization_endpoint)
  const usePar =
    parameters.pushedAuthorizationRequest ?? metadata.require_pushed_authorization_requests === true
  if (usePar) {
    const requestUri = await pushAuthorizationRequest(context, params, parameters.signal)
    url.searchParams.set('client_id', client.client_id)
    url.searchParams.set('request_uri', requestUri)
  } else {
    params.forEach((value, key) => {
      url.searchParams.append(key, value)
    })
  }
  return { url, transaction }
}

async function pushAuthorizationRequest(
  context: ClientContext,
  params: URLSearchParams,
  signal: AbortSignal | undefined,
): Promise<string> {
  try {
    const result = await withDPoPRetry(context, async () => {
      const response = await oauth.pushedAuthorizationRequest(
        context.metadata,
        context.client,
        context.clientAuth,
        params,
        requestOptionsFor(context, signal),
      )
      return oauth.processPushedAuthorizationResponse(context.metadata, context.client, response)
    })
    return result.request_uri
  } catch (err) {
    rethrow(err)
  }
}
