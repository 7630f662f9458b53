/**
 * oauthkit for backends: confidential clients and resource servers, on top of `@oauthkit/core`.
 *
 * ```ts
 * // Service to service: cached, renewed ahead of expiry, one request under any concurrency.
 * const client = createServerClient({ issuer, clientId: 'service', clientSecret })
 * const { accessToken } = await client.clientCredentials({ scope: 'orders:read' })
 *
 * // Server-side login: keep `transaction` in the session until the callback.
 * const { url, transaction } = await client.buildAuthorizationUrl({ redirectUri, scope: 'openid' })
 * const tokenSet = await client.authorizationCodeGrant(callbackUrl, transaction)
 *
 * // Protecting an API (RFC 9068 JWT access tokens, RFC 6750 answers).
 * const verifier = createAccessTokenVerifier({ issuer, audience: 'https://api.example.com' })
 * const claims = await verifier.verify(request.headers.get('authorization'), { scopes: ['read'] })
 * ```
 *
 * @packageDocumentation
 */

export type {
  AccessTokenErrorOptions,
  AuthorizationRequest,
  AuthorizationTransaction,
  AuthorizationUrlParameters,
  BearerErrorCode,
  ClientAuthMethod,
  EndSessionParameters,
  FetchUserInfoOptions,
  HeldLock,
  IdTokenClaims,
  IntrospectionResponse,
  IntrospectTokenOptions,
  JwksCacheOptions,
  JwtAccessTokenClaims,
  MemorySessionStoreOptions,
  OAuthKitErrorCode,
  RefreshTokenGrantOptions,
  RevokeTokenOptions,
  ServerMetadata,
  Session,
  SessionGetOptions,
  SessionLock,
  SessionStore,
  SessionWriteOptions,
  TokenSet,
  UserInfo,
  VerifiedTokenCache,
  VerifiedTokenCacheOptions,
} from '@oauthkit/core'
export {
  AccessTokenError,
  createMemorySessionStore,
  createProcessLock,
  isExpired,
  isOAuthKitError,
  isOAuthResponseError,
  OAuthKitError,
  OAuthResponseError,
} from '@oauthkit/core'
export type { AccessTokenMiddleware, AuthenticatedRequest } from './access-token-middleware.js'
export { accessTokenMiddleware } from './access-token-middleware.js'
export type {
  AccessTokenVerifier,
  AccessTokenVerifierOptions,
  VerifyOptions,
} from './create-access-token-verifier.js'
export { createAccessTokenVerifier } from './create-access-token-verifier.js'
export type {
  ClientCredentialsOptions,
  ServerAuthorizationCodeGrantOptions,
  ServerClient,
  ServerClientOptions,
  ServerEndSessionParameters,
  SessionOptions,
  TokenCacheOptions,
} from './server-client.js'
export { createServerClient } from './server-client.js'
export { verifyNodeRequest } from './verify-node-request.js'
export type { AuthenticatedFetchHandler } from './with-access-token.js'
export { withAccessToken } from './with-access-token.js'
