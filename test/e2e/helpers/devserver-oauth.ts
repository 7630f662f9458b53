import * as oauth from 'oauth4webapi'

/** oauth4webapi options for the plain-http devserver issuer. */
export const insecure: { [oauth.allowInsecureRequests]: true } = {
  [oauth.allowInsecureRequests]: true,
}

/** Discovers the devserver's metadata. */
export async function discover(issuer: string): Promise<oauth.AuthorizationServer> {
  const url = new URL(issuer)
  return oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, insecure))
}

/** A prepared authorization request. */
export interface PreparedAuthorization {
  url: URL
  state: string
  nonce: string
  verifier: string
  redirectUri: string
  /** Whether the request carries a PKCE challenge (its `verifier` is sent with the code). */
  pkce: boolean
}

/** Builds an authorization URL with PKCE S256, state and nonce. */
export async function prepareAuthorization(
  as: oauth.AuthorizationServer,
  clientId: string,
  redirectUri: string,
  params: Record<string, string> = {},
  { pkce = true }: { pkce?: boolean } = {},
): Promise<PreparedAuthorization> {
  const verifier = oauth.generateRandomCodeVerifier()
  const state = oauth.generateRandomState()
  const nonce = oauth.generateRandomNonce()
  const url = new URL(as.authorization_endpoint as string)
  url.searchParams.set('client_id', clientId)
  url.searchParams.set('redirect_uri', redirectUri)
  url.searchParams.set('response_type', 'code')
  url.searchParams.set('scope', 'openid profile email')
  url.searchParams.set('state', state)
  url.searchParams.set('nonce', nonce)
  if (pkce) {
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier))
    url.searchParams.set('code_challenge_method', 'S256')
  }
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value)
  return { url, state, nonce, verifier, redirectUri, pkce }
}

/**
 * Redeems the code in `callback`, the redirect that answered `request`: checks its state, sends
 * the request's PKCE verifier (if it had a challenge) and checks the ID Token's nonce.
 */
export async function redeemCode(
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  auth: oauth.ClientAuth,
  request: PreparedAuthorization,
  callback: string,
  { DPoP, requireIdToken }: { DPoP?: oauth.DPoPHandle; requireIdToken?: boolean } = {},
): Promise<oauth.TokenEndpointResponse> {
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    auth,
    oauth.validateAuthResponse(as, client, new URL(callback), request.state),
    request.redirectUri,
    request.pkce ? request.verifier : oauth.nopkce,
    DPoP ? { ...insecure, DPoP } : insecure,
  )
  return oauth.processAuthorizationCodeResponse(as, client, response, {
    expectedNonce: request.nonce,
    requireIdToken,
  })
}

/** Decodes a JWT payload without verifying it (assertions only). */
export function jwtPayload(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1] ?? ''
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>
}
