import type { JsonWebKey } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { createDeviceIntervalMiddleware } from './create-device-interval-middleware.js'
import { createRequestListener } from './create-request-listener.js'
import { type DevServerClient, defaultClients } from './default-clients.js'
import { type DevServerUser, defaultUsers, findUser, toDevServerUsers } from './default-users.js'
import { describeClients } from './describe-client.js'
import { DevServerError, invalidArgument } from './dev-server-error.js'
import {
  type ClientMetadata,
  type DevServerOptions,
  type DevServerRequest,
  resolveOptions,
} from './dev-server-options.js'
import { approveDeviceCode, denyDeviceCode } from './device-decision.js'
import { type DevServerErrorEvent, ErrorEventLog } from './error-event-log.js'
import { HeadlessBrowser, type LoginOptions, type LogoutOptions } from './headless-browser.js'
import { createInteractionMiddleware } from './interaction-middleware.js'
import { createMemoryStore, type LiveRefreshToken, liveRefreshTokens } from './memory-adapter.js'
import { mergeClients } from './merge-clients.js'
import { type MintAccessTokenOptions, mintAccessToken } from './mint-access-token.js'
import { registerPasswordGrant } from './password-grant.js'
import {
  API_SCOPES,
  apiResourceServerInfo,
  buildProviderConfiguration,
  SCOPES,
} from './provider-configuration.js'
import type { ProviderInstance, ProviderModule } from './provider-types.js'
import { acquireQuietConsole } from './quiet-console.js'
import { type DevServerStats, RequestLog } from './request-log.js'
import {
  algorithmForJwk,
  generateEncryptionKey,
  generateSigningKey,
  type JwkPair,
  toPublicJwk,
} from './signing-keys.js'

export type { DevServerErrorEvent } from './error-event-log.js'

/**
 * The oidc-provider instance, typed loosely on purpose: an escape hatch for what the dev server
 * does not wrap. oidc-provider's own API is documented at github.com/panva/node-oidc-provider.
 */
export interface OidcProviderInstance {
  /** The issuer identifier. */
  readonly issuer: string
  /** Every other member of the oidc-provider `Provider` (a Koa application). */
  readonly [member: string]: unknown
}

/** A running development authorization server, returned by {@link startDevServer}. */
export interface DevServer {
  /** Issuer identifier (RFC 8414 §2), `http://127.0.0.1:<port>`. */
  readonly issuer: string
  /** The port the server listens on. */
  readonly port: number
  /** OpenID Provider Configuration URL (OIDC Discovery §4). */
  readonly discoveryUrl: string
  /** Resource indicator (RFC 8707) of the test API; requesting it yields RFC 9068 JWT access tokens. */
  readonly resource: string
  /** Scopes of the test API: `api:read`, `api:write`. */
  readonly apiScopes: readonly string[]
  /** Every scope the server grants. */
  readonly scopes: readonly string[]
  /** Registered clients by client id. */
  readonly clients: Readonly<Record<string, DevServerClient>>
  /** Test users. */
  readonly users: readonly DevServerUser[]
  /** Public signing keys, as served at `jwks_uri` (RFC 7517 §5). */
  readonly jwks: { keys: JsonWebKey[] }
  /** The oidc-provider instance (escape hatch). */
  readonly provider: OidcProviderInstance
  /**
   * Follows an authorization URL through login and consent like a browser and returns the
   * redirect to the client (`?code=…&state=…&iss=…`, or `#access_token=…` for implicit).
   */
  login(authorizationUrl: string | URL, options?: LoginOptions): Promise<string>
  /** Follows an RP-initiated logout URL (OIDC RP-Initiated Logout §2) and confirms it. */
  logout(endSessionUrl: string | URL, options?: LogoutOptions): Promise<string>
  /** Approves a pending device authorization (RFC 8628 §3.3) as `user` (default: first user). */
  approveDevice(userCode: string, options?: { user?: string }): Promise<void>
  /** Denies a pending device authorization; polling then fails with `access_denied` (RFC 8628 §3.5). */
  denyDevice(userCode: string): Promise<void>
  /**
   * Mints an RFC 9068 JWT access token signed by this server, with any lifetime (an expired one
   * with `ttl: 0` or less), for `server.resource` by default. See {@link MintAccessTokenOptions}.
   */
  mintAccessToken(options: MintAccessTokenOptions): Promise<string>
  /**
   * The refresh tokens the server would still accept (not rotated out, revoked or expired), to
   * check that a client revoked what it discarded.
   */
  liveRefreshTokens(): LiveRefreshToken[]
  /** Requests seen so far (method, path, endpoint, status), oldest first. */
  requests(): DevServerRequest[]
  /** Request counts per endpoint, for assertions such as "exactly one token request". */
  stats(): DevServerStats
  /** Clears the request log. */
  resetStats(): void
  /**
   * Recent provider error events (the last 100), with oidc-provider's hidden `error_detail`, and
   * errors thrown by the `onRequest` option (`event: 'onRequest.error'`).
   */
  errors(): DevServerErrorEvent[]
  /** Stops listening, drops every connection and frees the port. Safe to call twice. */
  close(): Promise<void>
}

let providerModule: Promise<ProviderModule> | undefined
let spareRsaKey: Promise<JwkPair> | undefined

// RSA-2048 generation takes ~60-160 ms, nearly all of a start. Each server still gets its own key
// (tokens of one server never verify at another), but the next one is generated in the
// background while the current server runs, so a suite starting many servers rarely waits.
function takeRsaKey(): Promise<JwkPair> {
  const key = spareRsaKey ?? generateSigningKey('RS256')
  spareRsaKey = generateSigningKey('RS256')
  spareRsaKey.catch(() => {
    spareRsaKey = undefined
  })
  return key
}

async function loadProvider(): Promise<ProviderModule> {
  // Imported lazily so that the quiet filter is in place before oidc-provider prints its
  // import-time Node 20 runtime warning, and so `import '@oauthkit/devserver'` stays cheap.
  providerModule ??= import('oidc-provider') as Promise<ProviderModule>
  return providerModule
}

async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      if (error.code === 'EADDRINUSE') {
        reject(
          new DevServerError('ERR_PORT_IN_USE', `port ${port} on ${host} is already in use`, {
            cause: error,
          }),
        )
      } else {
        reject(
          new DevServerError(
            'ERR_LISTEN_FAILED',
            `cannot listen on ${host}:${port} (${error.code ?? error.message})`,
            { cause: error },
          ),
        )
      }
    }
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })
  const address = server.address()
  return typeof address === 'object' && address !== null ? address.port : port
}

async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return
  const closed = new Promise<void>((resolve, reject) =>
    server.close((error) => (error ? reject(error) : resolve())),
  )
  // close() alone waits for in-flight requests; dropping them frees the port immediately.
  server.closeAllConnections()
  await closed
}

/**
 * Starts a real OAuth 2.0 / OpenID Connect authorization server (oidc-provider 9.13) on a loopback
 * port with every grant enabled and ready clients and users. Options are validated before any I/O:
 * a bad option rejects with a `TypeError` whose `code` is `ERR_INVALID_ARG_VALUE`; a taken port
 * rejects with a {@link DevServerError} whose `code` is `ERR_PORT_IN_USE`.
 *
 * @example
 * const server = await startDevServer()
 * const as = await oauth.processDiscoveryResponse(new URL(server.issuer), await oauth.discoveryRequest(new URL(server.issuer), { [oauth.allowInsecureRequests]: true }))
 * await server.close()
 */
export async function startDevServer(options?: DevServerOptions): Promise<DevServer> {
  const resolved = resolveOptions(options)
  const users = toDevServerUsers(resolved.users ?? defaultUsers)
  const release = resolved.quiet ? acquireQuietConsole() : () => {}
  const server = createServer()
  try {
    const [module, signingKeys, webJwtKey, webEncryptedKey] = await Promise.all([
      loadProvider(),
      resolved.jwks
        ? Promise.resolve(resolved.jwks.keys)
        : Promise.all([
            takeRsaKey(),
            generateSigningKey('ES256'),
            generateSigningKey('EdDSA'),
          ]).then((pairs) => pairs.map((pair) => pair.privateJwk)),
      generateSigningKey('ES256'),
      generateEncryptionKey(),
    ])

    const port = await listen(server, resolved.port, resolved.host)
    const hostPart = resolved.host === '::1' ? '[::1]' : resolved.host
    const issuer = `http://${hostPart}:${port}`
    const resource = resolved.resource ?? `${issuer}/api`
    const firstKey = signingKeys[0] as JsonWebKey
    const signingAlg = algorithmForJwk(firstKey)

    const postLogoutRedirectUris = resolved.postLogoutRedirectUris ?? [
      ...new Set(resolved.redirectUris.map((uri) => `${new URL(uri).origin}/`)),
    ]
    const clientMetadata = mergeClients(
      defaultClients({
        redirectUris: resolved.redirectUris,
        postLogoutRedirectUris,
        webJwtPublicJwk: webJwtKey.publicJwk,
        webEncryptedPublicJwk: webEncryptedKey.publicJwk,
        signingAlg,
      }),
      resolved.clients,
    )
    const store = createMemoryStore()
    const configuration = buildProviderConfiguration({
      options: resolved,
      clients: Object.values(clientMetadata),
      users,
      jwks: { keys: signingKeys },
      signingAlg,
      resource,
      store,
      errors: module.errors,
    })

    let provider: ProviderInstance
    try {
      provider = new module.default(issuer, configuration)
    } catch (error) {
      // Configuration errors (for example a bad JWK) are TypeErrors from deep inside oidc-provider.
      throw invalidArgument(
        resolved.jwks ? 'jwks' : 'clients',
        `was refused by oidc-provider: ${(error as Error).message}`,
      )
    }
    registerPasswordGrant(provider, module.errors, users, new Set(SCOPES), {
      resource,
      info: apiResourceServerInfo(resource, resolved.ttl.accessToken, signingAlg),
    })

    const errorLog = new ErrorEventLog({ debug: resolved.debug })
    errorLog.listenTo(provider)

    provider.use(createDeviceIntervalMiddleware(resolved.deviceInterval))
    provider.use(createInteractionMiddleware(provider, users))

    const log = new RequestLog()
    server.on(
      'request',
      createRequestListener({
        handle: provider.callback(),
        log,
        errors: errorLog,
        onRequest: resolved.onRequest,
      }),
    )

    // Static clients are validated lazily by oidc-provider; fail here instead of at /auth (§7.5).
    for (const id of Object.keys(clientMetadata)) {
      try {
        await provider.Client.find(id)
      } catch (error) {
        const reason = (error as { error_description?: string }).error_description
        throw new DevServerError(
          'ERR_INVALID_CLIENT_METADATA',
          `client "${id}" was refused: ${reason ?? (error as Error).message}`,
          { cause: error },
        )
      }
    }

    const clients = describeClients(clientMetadata, {
      requirePkce: resolved.requirePkce,
      privateJwks: { 'web-jwt': webJwtKey.privateJwk },
      // Only while the client is still the built-in one registered with this key.
      decryptionJwks: registersKey(clientMetadata['web-encrypted'], webEncryptedKey.publicJwk.kid)
        ? { 'web-encrypted': webEncryptedKey.privateJwk }
        : {},
    })
    const browser = new HeadlessBrowser(issuer, users)

    let closing: Promise<void> | undefined
    const assertOpen = (): void => {
      if (closing) throw new DevServerError('ERR_SERVER_CLOSED', 'the dev server is closed')
    }

    return {
      issuer,
      port,
      discoveryUrl: `${issuer}/.well-known/openid-configuration`,
      resource,
      apiScopes: API_SCOPES,
      scopes: SCOPES,
      clients,
      users,
      jwks: { keys: signingKeys.map(toPublicJwk) },
      provider: provider as unknown as OidcProviderInstance,
      login: async (url, loginOptions) => {
        assertOpen()
        return browser.login(url, loginOptions)
      },
      logout: async (url, logoutOptions) => {
        assertOpen()
        return browser.logout(url, logoutOptions)
      },
      approveDevice: async (userCode, approveOptions) => {
        assertOpen()
        await approveDeviceCode(provider, userCode, findUser(users, approveOptions?.user))
      },
      denyDevice: async (userCode) => {
        assertOpen()
        await denyDeviceCode(provider, userCode)
      },
      mintAccessToken: async (mintOptions) => {
        assertOpen()
        return mintAccessToken(
          { provider, resource, apiScopes: API_SCOPES, signingAlg },
          mintOptions,
        )
      },
      liveRefreshTokens: () => liveRefreshTokens(store),
      requests: () => log.entries(),
      stats: () => log.stats(),
      resetStats: () => log.reset(),
      errors: () => errorLog.entries(),
      close: () => {
        closing ??= closeServer(server).finally(release)
        return closing
      },
    }
  } catch (error) {
    await closeServer(server).catch(() => {})
    release()
    throw error
  }
}

function registersKey(metadata: ClientMetadata | undefined, kid: string): boolean {
  const keys = (metadata?.jwks as { keys?: unknown } | undefined)?.keys
  return Array.isArray(keys) && keys.some((key) => (key as { kid?: unknown } | null)?.kid === kid)
}
