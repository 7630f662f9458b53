/**
 * oauthkit for single-page apps: redirect login with the authorization code flow and PKCE, tokens
 * kept in IndexedDB, refresh shared by concurrent callers and serialised across tabs.
 *
 * ```ts
 * import { createBrowserClient } from '@oauthkit/browser'
 *
 * const auth = createBrowserClient({
 *   issuer: 'https://as.example.com',
 *   clientId: 'my-spa',
 *   redirectUri: `${location.origin}/callback`,
 *   scope: 'openid offline_access',
 * })
 *
 * if (location.pathname === '/callback') {
 *   const { returnTo } = await auth.handleRedirect()
 *   history.replaceState(null, '', returnTo ?? '/')
 * }
 * const user = await auth.getUser() // undefined when logged out
 * if (!user) await auth.login({ returnTo: location.pathname })
 * const response = await auth.fetch('/api/orders') // Authorization: Bearer …
 * ```
 *
 * @packageDocumentation
 */

export type { IdTokenClaims, OAuthKitErrorCode, TokenSet } from '@oauthkit/core'
export {
  isOAuthKitError,
  isOAuthResponseError,
  OAuthKitError,
  OAuthResponseError,
} from '@oauthkit/core'
export type {
  BrowserClient,
  BrowserClientOptions,
  DPoPExtension,
  GetAccessTokenOptions,
  LoginOptions,
  LogoutOptions,
  RedirectResult,
  SessionEvent,
  SessionListener,
  StoredSession,
} from './browser-client.js'
export { createBrowserClient } from './create-browser-client.js'
export type { EncryptedIndexedDbStoreOptions } from './create-encrypted-indexeddb-store.js'
export { createEncryptedIndexedDbStore } from './create-encrypted-indexeddb-store.js'
export { createIndexedDbStore } from './create-indexeddb-store.js'
export { createMemoryStore } from './create-memory-store.js'
export { createWebLock } from './create-web-lock.js'
export type { KeyValueStore } from './key-value-store.js'
export { toSessionStore } from './to-session-store.js'
