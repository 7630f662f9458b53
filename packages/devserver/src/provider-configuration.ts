import type { JsonWebKey } from 'node:crypto'
import { randomBytes } from 'node:crypto'
import type { DevServerUser } from './default-users.js'
import type { ClientMetadata, ResolvedOptions } from './dev-server-options.js'
import { escapeHtml, escapeText } from './escape-html.js'
import { renderMessagePage, renderPage } from './html-pages.js'
import { createMemoryAdapter, type MemoryStore } from './memory-adapter.js'
import type { ProviderClient, ProviderContext, ProviderModule } from './provider-types.js'

/** The scopes the server grants; unknown scopes are silently dropped by oidc-provider (§5c). */
export const SCOPES: readonly string[] = Object.freeze([
  'openid',
  'offline_access',
  'profile',
  'email',
  'api:read',
  'api:write',
])

/** The scopes of the test API (the resource server behind `server.resource`). */
export const API_SCOPES: readonly string[] = Object.freeze(['api:read', 'api:write'])

/** oidc-provider's resource server information (`getResourceServerInfo`) for an API. */
export interface ResourceServerInfo {
  scope: string
  audience: string
  accessTokenTTL: number
  accessTokenFormat: 'jwt'
  jwt: { sign: { alg: string }; encrypt?: Record<string, unknown> }
}

/**
 * The test API as a resource server: its scopes, its audience, and RFC 9068 JWT access tokens
 * signed with the server's first key.
 */
export function apiResourceServerInfo(
  resource: string,
  accessTokenTTL: number,
  signingAlg: string,
): ResourceServerInfo {
  return {
    scope: API_SCOPES.join(' '),
    audience: resource,
    accessTokenTTL,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: signingAlg } },
  }
}

/** Inputs for {@link buildProviderConfiguration}. */
export interface ConfigurationInputs {
  options: ResolvedOptions
  clients: ClientMetadata[]
  users: readonly DevServerUser[]
  jwks: { keys: JsonWebKey[] }
  signingAlg: string
  resource: string
  store: MemoryStore
  errors: ProviderModule['errors']
}

type Token = { clientId?: string }

/** Builds the oidc-provider configuration: every grant on, exact expiry, own pages. */
export function buildProviderConfiguration(inputs: ConfigurationInputs): Record<string, unknown> {
  const { options, users, resource, errors, signingAlg } = inputs
  const { ttl } = options
  const bySub = new Map(users.map((user) => [user.sub, user]))
  const corsOrigins = options.corsOrigins

  // Grants and sessions must outlive the longest token, or refresh fails with "grant not found".
  const longLived = Math.max(ttl.refreshToken, ttl.accessToken, ttl.deviceCode, 86_400)

  return {
    adapter: createMemoryAdapter(inputs.store),
    clients: inputs.clients,
    jwks: inputs.jwks,
    // Default 15 s: tokens would outlive their TTL and expiry tests could not be short (§7.1).
    clockTolerance: 0,
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    // Numbers for every TTL silence the "default ttl function called" notices (§7.2).
    ttl: {
      AccessToken: ttl.accessToken,
      AuthorizationCode: ttl.authorizationCode,
      ClientCredentials: ttl.clientCredentials,
      DeviceCode: ttl.deviceCode,
      IdToken: ttl.idToken,
      RefreshToken: ttl.refreshToken,
      BackchannelAuthenticationRequest: 600,
      PreAuthorizedCode: 600,
      Interaction: 3600,
      Session: longLived,
      Grant: longLived,
    },
    scopes: [...SCOPES],
    // oidc-provider's default (true) puts the claims of `profile`/`email` in the ID Token only
    // when no access token is issued, and in userinfo otherwise: a `web` or `spa` login would get
    // an ID Token with `sub` alone. Applications read the user's name from the ID Token, so it
    // carries every claim its scopes release (OIDC Core §5.4 allows either).
    conformIdTokenClaims: false,
    claims: {
      openid: ['sub'],
      profile: [
        'name',
        'given_name',
        'family_name',
        'preferred_username',
        'picture',
        'locale',
        'zoneinfo',
        'updated_at',
      ],
      email: ['email', 'email_verified'],
    },
    async findAccount(_ctx: unknown, sub: string) {
      const user = bySub.get(sub)
      if (!user) return undefined
      // oidc-provider masks the claims by scope and claims parameter itself.
      return { accountId: sub, claims: async () => ({ ...user.claims, sub }) }
    },
    // Plain `token` is not supported by oidc-provider 9 at all; `id_token token` is the only
    // implicit response type that returns an access token from the authorization endpoint.
    responseTypes: ['code', 'id_token', 'code id_token', 'id_token token', 'none'],
    // RFC 9700 §2.1.1: PKCE for every client by default, so a confidential client that stops
    // sending it is caught; `requirePkce: 'public-clients'` is oidc-provider's own default.
    pkce: {
      required: (_ctx: unknown, client: ProviderClient) =>
        options.requirePkce === 'all-clients' || client.clientAuthMethod === 'none',
    },
    // Refresh tokens for every client allowed the grant, without offline_access + prompt=consent.
    issueRefreshToken: async (_ctx: unknown, client: ProviderClient) =>
      client.grantTypeAllowed('refresh_token'),
    // Rotate for confidential clients too, so reuse detection (RFC 9700 §4.14.2) is demonstrable.
    rotateRefreshToken: true,
    clientDefaults: {
      id_token_signed_response_alg: signingAlg,
      // jwtIntrospection defaults every client to RS256, which an EC-only key set cannot sign.
      introspection_signed_response_alg: signingAlg,
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
    clientBasedCORS(ctx: ProviderContext, origin: string, client: ProviderClient) {
      if (origin === 'null') return false
      if (corsOrigins === '*' || corsOrigins.includes(origin)) return true
      // Same policy as oidc-provider's default: public clients (and userinfo) from the origins
      // of the client's redirect URIs; confidential clients stay server-side.
      if (ctx.oidc?.route === 'userinfo' || client.clientAuthMethod === 'none') {
        return client.redirectUris.some((uri) => URL.parse(uri)?.origin === origin)
      }
      return false
    },
    renderError(ctx: ProviderContext, out: Record<string, unknown>) {
      ctx.type = 'html'
      const lines = Object.entries(out)
        .map(([key, value]) => `<p><code>${escapeText(key)}</code>: ${escapeText(value)}</p>`)
        .join('')
      ctx.body = renderPage('Error', `<h1>Something went wrong</h1>${lines}`)
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // oidc-provider's default, restated to silence its notice: public clients may only
        // introspect their own tokens.
        allowedPolicy: async (ctx: ProviderContext, client: ProviderClient, token: Token) =>
          !(client.clientAuthMethod === 'none' && token.clientId !== ctx.oidc?.client?.clientId),
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx: unknown, client: ProviderClient, token: Token) => {
          if (token.clientId === client.clientId) return true
          if (client.clientAuthMethod === 'none') return false
          throw new errors.InvalidRequest('client is not authorized to revoke the presented token')
        },
      },
      userinfo: { enabled: true },
      // Encrypted ID Tokens, UserInfo and introspection responses for clients registered for
      // them (`web-encrypted`), and encrypted JWT access tokens (mintAccessToken's `encrypt`).
      encryption: { enabled: true },
      jwtUserinfo: { enabled: true },
      jwtIntrospection: { enabled: true },
      // OIDC Back-Channel Logout 1.0: clients registered with a backchannel_logout_uri hear of
      // every logout, and their ID Tokens carry `sid`.
      backchannelLogout: { enabled: true },
      deviceFlow: {
        enabled: true,
        userCodeInputSource(ctx: ProviderContext, form: string, _out: unknown, err?: Error) {
          const message = err
            ? '<p class="error">That code is not valid. Check the device and try again.</p>'
            : '<p class="muted">Enter the code shown on your device.</p>'
          ctx.type = 'html'
          ctx.body = renderPage(
            'Connect a device',
            `<h1>Connect a device</h1>${message}${form}<button class="primary" type="submit" form="op.deviceInputForm">Continue</button>`,
          )
        },
        userCodeConfirmSource(
          ctx: ProviderContext,
          form: string,
          client: ProviderClient,
          _info: unknown,
          userCode: string,
        ) {
          ctx.type = 'html'
          ctx.body = renderPage(
            'Confirm device',
            `<h1>Confirm device</h1><p class="muted"><strong>${escapeHtml(client.clientName ?? client.clientId)}</strong> shows this code:</p><p class="code">${escapeHtml(userCode)}</p>${form}<button class="primary" type="submit" form="op.deviceConfirmForm">Continue</button><div class="row"><button type="submit" form="op.deviceConfirmForm" name="abort" value="yes">Abort</button></div>`,
          )
        },
        successSource(ctx: ProviderContext) {
          ctx.type = 'html'
          ctx.body = renderMessagePage('Device connected', 'You can close this page.')
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource(ctx: ProviderContext, form: string) {
          ctx.type = 'html'
          ctx.body = renderPage(
            'Sign out',
            `<h1>Sign out?</h1><p class="muted">End your session at this server.</p>${form}<button class="primary" autofocus type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button><div class="row"><button type="submit" form="op.logoutForm">No, stay signed in</button></div>`,
          )
        },
        postLogoutSuccessSource(ctx: ProviderContext) {
          ctx.type = 'html'
          ctx.body = renderMessagePage('Signed out', 'You have been signed out.')
        },
      },
      dPoP: options.dpopNonce
        ? { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true }
        : { enabled: true },
      pushedAuthorizationRequests: {
        enabled: true,
        requirePushedAuthorizationRequests: options.requirePar,
      },
      resourceIndicators: {
        enabled: true,
        // No resource requested → no audience → an opaque token that userinfo accepts.
        defaultResource: async (_ctx: unknown, _client: unknown, oneOf?: string) => oneOf,
        // The token endpoint may omit `resource` and still get the one granted at /auth.
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: unknown, indicator: string) => {
          if (indicator !== resource) throw new errors.InvalidTarget()
          return apiResourceServerInfo(resource, ttl.accessToken, signingAlg)
        },
      },
    },
  }
}
