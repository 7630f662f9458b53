import type { DevServerUser } from './default-users.js'
import type { ResourceServerInfo } from './provider-configuration.js'
import type { ProviderInstance, ProviderModule } from './provider-types.js'

/** The test API the password grant can issue JWT access tokens for (RFC 8707 `resource`). */
export interface PasswordGrantApi {
  /** Its resource indicator. */
  resource: string
  /** Its resource server information, as `getResourceServerInfo` returns it. */
  info: ResourceServerInfo
}

/**
 * Registers the resource owner password credentials grant (RFC 6749 §4.3), which oidc-provider
 * does not ship, for the `legacy` client. It exists only to compare with the modern flows. Like the
 * built-in grants, a `resource` parameter (RFC 8707 §2.2) yields an RFC 9068 JWT access token for
 * that API with the API scopes granted; without it the access token is opaque.
 */
export function registerPasswordGrant(
  provider: ProviderInstance,
  errors: ProviderModule['errors'],
  users: readonly DevServerUser[],
  knownScopes: ReadonlySet<string>,
  api: PasswordGrantApi,
): void {
  const byUsername = new Map(users.map((user) => [user.username, user]))
  const apiScopes = new Set(api.info.scope.split(' '))
  provider.registerGrantType(
    'password',
    async (ctx) => {
      const params = ctx.oidc?.params ?? {}
      const client = ctx.oidc?.client
      if (!client) throw new errors.InvalidRequest('client authentication is required')
      const username = typeof params.username === 'string' ? params.username : ''
      const password = typeof params.password === 'string' ? params.password : ''
      if (!username || !password) {
        throw new errors.InvalidRequest('missing required parameter(s) (username, password)')
      }
      // Duplicate parameters are refused by oidc-provider, so `resource` is one string here.
      const resource = typeof params.resource === 'string' ? params.resource : undefined
      if (resource !== undefined && resource !== api.resource) throw new errors.InvalidTarget()
      const user = byUsername.get(username)
      if (!user || user.password !== password) {
        throw new errors.InvalidGrant('invalid resource owner credentials')
      }
      // Unknown scopes are dropped silently, as oidc-provider does for the built-in grants.
      const requested = typeof params.scope === 'string' ? params.scope : 'openid'
      const scope = requested
        .split(' ')
        .filter((item) => knownScopes.has(item))
        .join(' ')

      const grant = new provider.Grant({ accountId: user.sub, clientId: client.clientId })
      const accessToken = new provider.AccessToken({
        accountId: user.sub,
        client,
        gty: 'password',
        scope,
      })
      if (resource === undefined) {
        if (scope) grant.addOIDCScope(scope)
      } else {
        // As oidc-provider does for the code grant: the access token is for the API and carries
        // only its scopes; the grant keeps the OpenID scopes (ID token, refresh) apart.
        const requestedScopes = scope ? scope.split(' ') : []
        const oidcScopes = requestedScopes.filter((item) => !apiScopes.has(item))
        const resourceScopes = requestedScopes.filter((item) => apiScopes.has(item))
        if (oidcScopes.length > 0) grant.addOIDCScope(oidcScopes.join(' '))
        if (resourceScopes.length > 0) grant.addResourceScope(resource, resourceScopes.join(' '))
        accessToken.resourceServer = new provider.ResourceServer(resource, api.info)
        accessToken.scope = resourceScopes.join(' ') || undefined
      }
      // The grant backs userinfo, introspection, refresh and revocation of these tokens.
      const grantId = await grant.save()
      accessToken.grantId = grantId
      const body: Record<string, unknown> = {
        access_token: await accessToken.save(),
        token_type: accessToken.tokenType ?? 'Bearer',
        expires_in: accessToken.expiration,
        scope: resource === undefined ? scope : accessToken.scope,
      }
      if (client.grantTypeAllowed('refresh_token')) {
        const refreshToken = new provider.RefreshToken({
          accountId: user.sub,
          client,
          grantId,
          gty: 'password',
          scope,
          // A refresh then issues a JWT access token for the same API (`useGrantedResource`).
          ...(resource === undefined ? {} : { resource }),
        })
        body.refresh_token = await refreshToken.save()
      }
      if (scope.split(' ').includes('openid')) {
        const idToken = new provider.IdToken(
          { sub: user.sub, auth_time: Math.floor(Date.now() / 1000) },
          { ctx },
        )
        idToken.scope = 'openid'
        body.id_token = await idToken.issue({ use: 'idtoken' })
      }
      ctx.body = body
    },
    ['username', 'password', 'scope', 'resource'],
  )
}
