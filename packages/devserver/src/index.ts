export { type CommandIo, formatBanner, runDevServerCommand } from './command.js'
export { CookieJar } from './cookie-jar.js'
export { CLIENT_DESCRIPTIONS, type DevServerClient } from './default-clients.js'
export { type DevServerUser, defaultUsers } from './default-users.js'
export {
  DevServerError,
  type DevServerErrorCode,
  type InvalidArgumentError,
} from './dev-server-error.js'
export {
  type ClientMetadata,
  DEFAULT_TTL,
  type DevServerOptions,
  type DevServerRequest,
  type DevServerTtl,
  type DevServerUserInput,
  type PrivateJwks,
  type RequirePkce,
} from './dev-server-options.js'
export type { LoginOptions, LogoutOptions } from './headless-browser.js'
export type { LiveRefreshToken } from './memory-adapter.js'
export type { MintAccessTokenOptions } from './mint-access-token.js'
export { API_SCOPES, SCOPES } from './provider-configuration.js'
export type { DevServerStats } from './request-log.js'
export {
  type DevServer,
  type DevServerErrorEvent,
  type OidcProviderInstance,
  startDevServer,
} from './start-dev-server.js'
