/**
 * oauthkit for command-line tools and devices without a browser.
 *
 * - {@link deviceLogin}: the device authorization grant (RFC 8628). Show the user a code and a
 *   URL, then wait while they approve on their phone or laptop.
 * - {@link loopbackLogin}: the system browser with a loopback redirect to `127.0.0.1` on an
 *   ephemeral port (RFC 8252), PKCE S256, `state` and `iss` checks.
 * - {@link createFileStore}: tokens in a `0600` file under the user's config directory,
 *   written atomically, refreshed on read when due by core's session engine, ended (revoked and
 *   forgotten) by `end`.
 *
 * ```ts
 * const store = createFileStore()
 * const key = { issuer: 'https://as.example.com', clientId: 'my-cli' }
 * let tokenSet = await store.get(key)
 * if (!tokenSet) {
 *   tokenSet = await deviceLogin({
 *     ...key,
 *     scope: 'openid offline_access',
 *     onPrompt: ({ verificationUri, userCode }) =>
 *       console.error(`Open ${verificationUri} and enter ${userCode}`),
 *   })
 *   await store.set(key, tokenSet)
 * }
 * ```
 *
 * The package also installs the `oauthkit` command; see README.md.
 *
 * @packageDocumentation
 */

export type { TokenSet } from '@oauthkit/core'
export { isOAuthKitError, OAuthKitError, OAuthResponseError } from '@oauthkit/core'
export type { ConnectionOptions } from './connect.js'
export type { TokenFilePathOptions } from './default-token-file-path.js'
export { defaultTokenFilePath } from './default-token-file-path.js'
export type { DeviceLoginOptions, DevicePrompt } from './device-login.js'
export { deviceLogin } from './device-login.js'
export type {
  FileStore,
  FileStoreConnectionOptions,
  FileStoreEndOptions,
  FileStoreEndResult,
  FileStoreEntry,
  FileStoreGetOptions,
  FileStoreKey,
  FileStoreOptions,
} from './file-store.js'
export { createFileStore } from './file-store.js'
export type { LoopbackLoginOptions } from './loopback-login.js'
export { loopbackLogin } from './loopback-login.js'
export { openSystemBrowser } from './open-system-browser.js'
