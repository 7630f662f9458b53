import type { JsonWebKey } from 'node:crypto'
import { invalidArgument } from './dev-server-error.js'

/**
 * Lifetimes in seconds. Expiry is exact (`clockTolerance` is 0) and timestamps are whole epoch
 * seconds, so a token with a lifetime of n seconds is refused n−1 to n seconds after issuance (a
 * 1-second token at the next second boundary, which may be a few milliseconds later).
 */
export interface DevServerTtl {
  /** Access tokens from the authorization code, refresh, device and password grants. Default 3600. */
  accessToken?: number
  /** Refresh tokens (RFC 6749 §6). Default 86400 (one day). */
  refreshToken?: number
  /** Authorization codes (RFC 6749 §4.1.2). Default 60. */
  authorizationCode?: number
  /** Device codes (RFC 8628 §3.2 `expires_in`). Default 600. */
  deviceCode?: number
  /** ID tokens (OIDC Core §2 `exp`). Default 3600. */
  idToken?: number
  /** Access tokens from the client credentials grant (RFC 6749 §4.4). Default 600. */
  clientCredentials?: number
}

/** A test user. `sub` defaults to `user-<username>`; `claims` are returned per scope. */
export interface DevServerUserInput {
  /** Login name typed in the login form and used by the password grant. */
  username: string
  /** Plain-text password (a development server keeps no secrets). */
  password: string
  /** Subject identifier (OIDC Core §5.1 `sub`). */
  sub?: string
  /** Standard claims (OIDC Core §5.1) such as `name`, `email`, `email_verified`, `locale`. */
  claims?: Record<string, unknown>
}

/** OAuth client metadata (RFC 7591 §2 / OIDC Dynamic Client Registration §2), snake_case. */
export type ClientMetadata = Record<string, unknown>

/** One request seen by the server, as given to `onRequest` and kept in `server.requests()`. */
export interface DevServerRequest {
  /** HTTP method, upper case. */
  method: string
  /** URL path without the query. */
  path: string
  /** Endpoint name, for example `token`, `authorization`, `userinfo` (see README). */
  endpoint: string
  /** Response status code. */
  status: number
}

/** A JSON Web Key Set (RFC 7517 §5) of private signing keys. */
export interface PrivateJwks {
  /** Private JWKs (with `d`), each with a unique `kid` or none. */
  keys: JsonWebKey[]
}

/**
 * Which clients must use PKCE (RFC 7636) in the authorization code grant: `'all-clients'`
 * (RFC 9700 §2.1.1) or only `'public-clients'` (`token_endpoint_auth_method: 'none'`).
 */
export type RequirePkce = 'all-clients' | 'public-clients'

/** Options for {@link startDevServer}. Every option is optional. */
export interface DevServerOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number
  /** Loopback host to bind: `127.0.0.1` (default), `localhost` or `::1`. */
  host?: string
  /** Token lifetimes in seconds. */
  ttl?: DevServerTtl
  /**
   * Client metadata by client id. An id that exists is merged over the built-in client (for example
   * `{ spa: { redirect_uris: [...] } }`); a new id adds a client.
   */
  clients?: Record<string, ClientMetadata>
  /** Replaces the built-in test users. */
  users?: DevServerUserInput[]
  /** Private signing keys to use instead of generated ones. The first key signs by default. */
  jwks?: PrivateJwks
  /**
   * Redirect URIs for the browser-facing clients (`spa`, `spa-par`, `web`, `web-jwt`, `implicit`).
   * Default `http://127.0.0.1:5173/callback` and `http://localhost:5173/callback`.
   */
  redirectUris?: string[]
  /** Post-logout redirect URIs for the same clients. Default: the origin of every redirect URI + `/`. */
  postLogoutRedirectUris?: string[]
  /**
   * Extra origins allowed by CORS, or `'*'` for any origin. Public clients are always allowed from
   * the origins of their redirect URIs.
   */
  corsOrigins?: string[] | '*'
  /** Resource indicator (RFC 8707) of the test API. Default `${issuer}/api`. */
  resource?: string
  /** `interval` added to device authorization responses (RFC 8628 §3.2), seconds. Default 5. */
  deviceInterval?: number
  /** Require DPoP server nonces (RFC 9449 §8). Default false. */
  dpopNonce?: boolean
  /** Require PAR (RFC 9126 §5) from every client. Default false (only `spa-par` requires it). */
  requirePar?: boolean
  /**
   * Which clients must send a PKCE `code_challenge` (RFC 7636): `'all-clients'` (the default, as
   * RFC 9700 §2.1.1 recommends, so a confidential client that stops sending PKCE fails), or
   * `'public-clients'` to let confidential clients (`web`, `web-jwt`) use the code grant without it.
   */
  requirePkce?: RequirePkce
  /** Hide oidc-provider's `WARNING`/`NOTICE` console lines. Default true. */
  quiet?: boolean
  /** Print every provider error event to stderr. Default false, or env `OAUTHKIT_DEVSERVER_DEBUG=1`. */
  debug?: boolean
  /** Called after every response with the request's method, path, endpoint and status. */
  onRequest?: (request: DevServerRequest) => void
}

/** Options after validation, with defaults applied. */
export interface ResolvedOptions {
  port: number
  host: string
  ttl: Required<DevServerTtl>
  clients: Record<string, ClientMetadata>
  users: DevServerUserInput[] | undefined
  jwks: PrivateJwks | undefined
  redirectUris: string[]
  postLogoutRedirectUris: string[] | undefined
  corsOrigins: string[] | '*'
  resource: string | undefined
  deviceInterval: number
  dpopNonce: boolean
  requirePar: boolean
  requirePkce: RequirePkce
  quiet: boolean
  debug: boolean
  onRequest: ((request: DevServerRequest) => void) | undefined
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1'])
const TTL_KEYS = [
  'accessToken',
  'refreshToken',
  'authorizationCode',
  'deviceCode',
  'idToken',
  'clientCredentials',
] as const
const OPTION_KEYS = new Set([
  'port',
  'host',
  'ttl',
  'clients',
  'users',
  'jwks',
  'redirectUris',
  'postLogoutRedirectUris',
  'corsOrigins',
  'resource',
  'deviceInterval',
  'dpopNonce',
  'requirePar',
  'requirePkce',
  'quiet',
  'debug',
  'onRequest',
])

/** Default lifetimes in seconds. */
export const DEFAULT_TTL: Readonly<Required<DevServerTtl>> = Object.freeze({
  accessToken: 3600,
  refreshToken: 86_400,
  authorizationCode: 60,
  deviceCode: 600,
  idToken: 3600,
  clientCredentials: 600,
})

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function absoluteUrls(name: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalidArgument(name, 'must be a non-empty array of absolute URLs')
  }
  for (const item of value) {
    if (typeof item !== 'string' || URL.parse(item) === null) {
      throw invalidArgument(name, 'must be a non-empty array of absolute URLs')
    }
  }
  return [...value] as string[]
}

function optionalBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw invalidArgument(name, 'must be a boolean')
  return value
}

/**
 * Validates options before any I/O and applies defaults. Throws a `TypeError` with code
 * `ERR_INVALID_ARG_VALUE` naming the offending option.
 */
export function resolveOptions(options: DevServerOptions | undefined): ResolvedOptions {
  if (options === undefined) options = {}
  if (!isRecord(options as unknown)) {
    throw invalidArgument('options', 'must be an object', 'ERR_INVALID_ARG_TYPE')
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) throw invalidArgument(key, 'is not a known option')
  }

  const port: unknown = options.port ?? 0
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw invalidArgument('port', 'must be an integer from 0 to 65535')
  }

  const host = options.host ?? '127.0.0.1'
  if (typeof host !== 'string' || !LOOPBACK_HOSTS.has(host)) {
    throw invalidArgument('host', 'must be a loopback host: 127.0.0.1, localhost or ::1')
  }

  const ttl: Required<DevServerTtl> = { ...DEFAULT_TTL }
  if (options.ttl !== undefined) {
    if (!isRecord(options.ttl)) throw invalidArgument('ttl', 'must be an object')
    for (const [key, value] of Object.entries(options.ttl)) {
      if (!(TTL_KEYS as readonly string[]).includes(key)) {
        throw invalidArgument(`ttl.${key}`, 'is not a known option')
      }
      if (value === undefined) continue
      // Whole seconds: oidc-provider computes `exp` as epoch seconds and stores them as integers.
      if (!Number.isInteger(value) || (value as number) < 1) {
        throw invalidArgument(`ttl.${key}`, 'must be a positive integer number of seconds')
      }
      ttl[key as keyof DevServerTtl] = value as number
    }
  }

  const clients: Record<string, ClientMetadata> = {}
  if (options.clients !== undefined) {
    if (!isRecord(options.clients)) throw invalidArgument('clients', 'must be an object')
    for (const [id, metadata] of Object.entries(options.clients)) {
      if (!isRecord(metadata)) throw invalidArgument(`clients.${id}`, 'must be an object')
      if (metadata.client_id !== undefined && metadata.client_id !== id) {
        throw invalidArgument(`clients.${id}.client_id`, 'must equal its key')
      }
      clients[id] = metadata
    }
  }

  let users: DevServerUserInput[] | undefined
  if (options.users !== undefined) {
    const input: unknown = options.users
    if (!Array.isArray(input) || input.length === 0) {
      throw invalidArgument('users', 'must be a non-empty array')
    }
    const seen = new Set<string>()
    users = input.map((user: unknown, index): DevServerUserInput => {
      if (
        !isRecord(user) ||
        typeof user.username !== 'string' ||
        user.username === '' ||
        typeof user.password !== 'string' ||
        (user.sub !== undefined && (typeof user.sub !== 'string' || user.sub === '')) ||
        (user.claims !== undefined && !isRecord(user.claims))
      ) {
        throw invalidArgument(
          `users[${index}]`,
          'must have a string username and password, and optional sub and claims',
        )
      }
      if (seen.has(user.username))
        throw invalidArgument(`users[${index}].username`, 'is a duplicate')
      seen.add(user.username)
      return user as unknown as DevServerUserInput
    })
  }

  let jwks: PrivateJwks | undefined
  if (options.jwks !== undefined) {
    const keys: unknown = isRecord(options.jwks) ? options.jwks.keys : undefined
    if (
      !Array.isArray(keys) ||
      keys.length === 0 ||
      !keys.every(
        (key) => isRecord(key) && typeof key.kty === 'string' && typeof key.d === 'string',
      )
    ) {
      throw invalidArgument('jwks', 'must be a JWKS whose keys are private signing JWKs')
    }
    jwks = { keys: keys as JsonWebKey[] }
  }

  const redirectUris =
    options.redirectUris === undefined
      ? ['http://127.0.0.1:5173/callback', 'http://localhost:5173/callback']
      : absoluteUrls('redirectUris', options.redirectUris)
  const postLogoutRedirectUris =
    options.postLogoutRedirectUris === undefined
      ? undefined
      : absoluteUrls('postLogoutRedirectUris', options.postLogoutRedirectUris)

  let corsOrigins: string[] | '*' = []
  if (options.corsOrigins === '*') corsOrigins = '*'
  else if (options.corsOrigins !== undefined) {
    corsOrigins = absoluteUrls('corsOrigins', options.corsOrigins).map((origin) => {
      const parsed = new URL(origin)
      if (parsed.origin !== origin.replace(/\/$/, '')) {
        throw invalidArgument('corsOrigins', 'must list origins (scheme, host and port only)')
      }
      return parsed.origin
    })
  }

  if (options.resource !== undefined) {
    if (typeof options.resource !== 'string' || URL.parse(options.resource) === null) {
      throw invalidArgument('resource', 'must be an absolute URI')
    }
  }

  const deviceInterval: unknown = options.deviceInterval ?? 5
  if (typeof deviceInterval !== 'number' || !(deviceInterval >= 0) || deviceInterval > 3600) {
    throw invalidArgument('deviceInterval', 'must be a number of seconds from 0 to 3600')
  }

  const requirePkce: unknown = options.requirePkce ?? 'all-clients'
  if (requirePkce !== 'all-clients' && requirePkce !== 'public-clients') {
    throw invalidArgument('requirePkce', "must be 'all-clients' or 'public-clients'")
  }

  const onRequest: unknown = options.onRequest
  if (onRequest !== undefined && typeof onRequest !== 'function') {
    throw invalidArgument('onRequest', 'must be a function', 'ERR_INVALID_ARG_TYPE')
  }

  return {
    port,
    host,
    ttl,
    clients,
    users,
    jwks,
    redirectUris,
    postLogoutRedirectUris,
    corsOrigins,
    resource: options.resource,
    deviceInterval,
    dpopNonce: optionalBoolean('dpopNonce', options.dpopNonce, false),
    requirePar: optionalBoolean('requirePar', options.requirePar, false),
    requirePkce,
    quiet: optionalBoolean('quiet', options.quiet, true),
    debug: optionalBoolean(
      'debug',
      options.debug,
      process.env.OAUTHKIT_DEVSERVER_DEBUG === '1' ||
        process.env.OAUTHKIT_DEVSERVER_DEBUG === 'true',
    ),
    onRequest: onRequest as ResolvedOptions['onRequest'],
  }
}
