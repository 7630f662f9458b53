/**
 * `@oauthkit/core/internal`: the plumbing that the oauthkit packages (`@oauthkit/browser`,
 * `@oauthkit/node`, `@oauthkit/cli`) share, and that applications have no use for: oauth4webapi
 * request options, the DPoP nonce retry, error re-throwing, argument checks, signal races.
 *
 * **No semver promise.** Anything here may change or go away in any release, patch releases
 * included. The oauthkit packages pin `@oauthkit/core` to the exact version they were built with;
 * nothing else should import this entry. Everything an application needs is on `@oauthkit/core`.
 *
 * @packageDocumentation
 */

export type { AssertIssuerOptions } from './assert.js'
export { assertIssuer, invalidArgument, toUrl } from './assert.js'
export { toTokenResult } from './authorization-code.js'
export { isCryptoKey } from './client-auth.js'
export { base64UrlDecode } from './decode-jwt.js'
export { accessDenied } from './errors.js'
export type { FlatHttpOptions, RequestOptions } from './http-options.js'
export { toHttpOptions, toRequestOptions } from './http-options.js'
export { DEFAULT_JWS_ALGORITHMS, SUPPORTED_JWS_ALGORITHMS } from './jws-algorithms.js'
export { lockOf } from './lock-of.js'
export { abortError, raceSignal } from './race-signal.js'
export { renameArgument } from './rename-argument.js'
export { requestOptionsFor } from './request-options.js'
export { nextSession } from './session-engine.js'
export { toDisplayText } from './to-display-text.js'
export { rethrow } from './to-oauthkit-error.js'
export { isKeysUnavailable } from './verify-id-token.js'
export { withDPoPRetry } from './with-dpop-retry.js'
