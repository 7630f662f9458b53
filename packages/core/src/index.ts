/**
 * Runtime-neutral building blocks of oauthkit, on top of oauth4webapi: issuer discovery with a
 * cache, the {@link TokenSet} and its expiry maths, single-flight, the error family, the grant
 * functions that every leaf package shares, JWT decoding for display and RFC 9068 access-token
 * verification. Uses only Web-standard globals, so it runs in browsers, workers, Node and edge
 * runtimes alike. The plumbing the oauthkit packages share is on `@oauthkit/core/internal`, which
 * carries no semver promise.
 *
 * ```ts
 * const metadata = await discover('https://as.example.com')
 * const context = createClientContext({ metadata, clientId: 'my-app' })
 * const { url, transaction } = await buildAuthorizationUrl(context, { redirectUri, scope: 'openid' })
 * // ...the user comes back to redirectUri...
 * const { tokenSet, claims } = await authorizationCodeGrant(context, location.href, transaction)
 * ```
 *
 * @packageDocumentation
 */

export type {
  AccessTokenErrorOptions,
  BearerErrorCode,
} from './access-token-error.js'
export { AccessTokenError } from './access-token-error.js'
export type { ArgumentError } from './assert.js'
export type {
  AuthorizationCodeGrantOptions,
  IdTokenClaims,
  TokenResult,
} from './authorization-code.js'
export { authorizationCodeGrant } from './authorization-code.js'
export type {
  AuthorizationRequest,
  AuthorizationTransaction,
  AuthorizationUrlParameters,
} from './authorization-url.js'
export { buildAuthorizationUrl } from './authorization-url.js'
export type { ClientAuthMethod, ClientAuthOptions, PrivateJwk } from './client-auth.js'
export { createClientAuth, resolveClientAuthMethod } from './client-auth.js'
export type { ClientContext, ClientContextOptions } from './client-context.js'
export { createClientContext } from './client-context.js'
export type { ClientCredentialsParameters } from './client-credentials.js'
export { clientCredentialsGrant } from './client-credentials.js'
export type { DPoPHandle } from './create-dpop-handle.js'
export { createDPoPHandle } from './create-dpop-handle.js'
export type {
  AsyncKeyValueStore,
  EncryptedStoreOptions,
  SealedValue,
  StoreEncryptionKey,
} from './create-encrypted-store.js'
export { createEncryptedStore } from './create-encrypted-store.js'
export type {
  DecryptedJwt,
  DecryptionKey,
  JweDecryptor,
  JweDecryptorOptions,
} from './create-jwe-decryptor.js'
export {
  createJweDecryptor,
  DEFAULT_CONTENT_ENCRYPTION_ALGORITHMS,
  DEFAULT_KEY_MANAGEMENT_ALGORITHMS,
  isCompactJwe,
} from './create-jwe-decryptor.js'
export type { MemorySessionStoreOptions } from './create-memory-session-store.js'
export { createMemorySessionStore } from './create-memory-session-store.js'
export { createProcessLock } from './create-process-lock.js'
export type { DecodedJwt } from './decode-jwt.js'
export { decodeJwt } from './decode-jwt.js'
export type {
  DeviceAuthorization,
  PollDeviceAuthorizationOptions,
  StartDeviceAuthorizationOptions,
} from './device-authorization.js'
export {
  DEFAULT_DEVICE_POLL_INTERVAL,
  pollDeviceAuthorization,
  startDeviceAuthorization,
} from './device-authorization.js'
export type { DiscoverOptions, ServerMetadata } from './discover.js'
export { clearDiscoveryCache, discover } from './discover.js'
export type { EndSessionParameters } from './end-session-url.js'
export { buildEndSessionUrl } from './end-session-url.js'
export type {
  OAuth4WebApiErrorCode,
  OAuthKitErrorCode,
  OAuthKitErrorOptions,
  OAuthResponseErrorOptions,
} from './errors.js'
export {
  isOAuthKitError,
  isOAuthResponseError,
  OAuthKitError,
  OAuthResponseError,
} from './errors.js'
export type { FetchUserInfoOptions, UserInfo } from './fetch-user-info.js'
export { fetchUserInfo } from './fetch-user-info.js'
export type { HttpOptions } from './http-options.js'
export { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, limitedFetch } from './http-options.js'
export type { IntrospectionResponse, IntrospectTokenOptions } from './introspect-token.js'
export { introspectToken } from './introspect-token.js'
export type { JwksCache, JwksCacheOptions, JwksGeneration } from './jwks-cache.js'
export { createJwksCache } from './jwks-cache.js'
export { observeSessionEvents } from './observe-session-events.js'
export type { NeedsRefreshOptions } from './refresh-policy.js'
export { DEFAULT_REFRESH_AHEAD, needsRefresh, refreshAt } from './refresh-policy.js'
export type { RefreshTokenGrantOptions } from './refresh-token.js'
export { refreshTokenGrant } from './refresh-token.js'
export type { RevokeTokenOptions } from './revoke-token.js'
export { revokeToken } from './revoke-token.js'
export type {
  HeldLock,
  Session,
  SessionChange,
  SessionEndOptions,
  SessionEngine,
  SessionEngineOptions,
  SessionEvent,
  SessionGetOptions,
  SessionGrant,
  SessionLock,
  SessionLockOptions,
  SessionStore,
  SessionWriteOptions,
} from './session-engine.js'
export { createSessionEngine } from './session-engine.js'
export type { SingleFlight } from './single-flight.js'
export { createSingleFlight } from './single-flight.js'
export { toOAuthKitError } from './to-oauthkit-error.js'
export type { IsExpiredOptions, TokenSet, ToTokenSetOptions } from './token-set.js'
export { isExpired, toTokenSet } from './token-set.js'
export type { VerifiedTokenCache, VerifiedTokenCacheOptions } from './verified-token-cache.js'
export { createVerifiedTokenCache } from './verified-token-cache.js'
export type { VerifyIdTokenOptions } from './verify-id-token.js'
export { verifyIdToken } from './verify-id-token.js'
export type {
  JwtAccessTokenClaims,
  VerifyJwtAccessTokenOptions,
} from './verify-jwt-access-token.js'
export { verifyJwtAccessToken } from './verify-jwt-access-token.js'
export { withJweDecryption } from './with-jwe-decryption.js'
export type { SessionTtlOptions } from './with-session-ttl.js'
export { withSessionTtl } from './with-session-ttl.js'
