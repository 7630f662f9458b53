/**
 * A Backend for Frontend on the Fetch API: the server is the OAuth client, every token stays
 * server-side, and the browser holds one HttpOnly session cookie
 * (draft-ietf-oauth-browser-based-apps §6.1). A subpath of its own, loaded only by apps that use
 * it; the Fetch handler has no `node:` import, so it also runs in edge runtimes.
 *
 * @packageDocumentation
 */
export type { Bff, BffOptions } from './create-bff.js'
export { createBff, safeReturnTo } from './create-bff.js'
export type { BffUpstream } from './proxy-to-upstream.js'
export type { NodeHandler } from './to-node-handler.js'
export { toNodeHandler } from './to-node-handler.js'
export type { LogoutTokenClaims } from './verify-logout-token.js'
export { verifyLogoutToken } from './verify-logout-token.js'
