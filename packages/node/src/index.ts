/**
 * @oauthkit/node — see README.md.
 *
 * @packageDocumentation
 */

export type { TokenSet } from '@oauthkit/core'
export { isOAuthKitError, OAuthKitError, OAuthResponseError } from '@oauthkit/core'
