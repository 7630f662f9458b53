import type { DevServerUser } from './default-users.js'
import type { ProviderInstance, ProviderModule } from './provider-types.js'

/**
 * Registers the resource owner password credentials grant (RFC 6749 §4.3), which oidc-provider
 * does not ship, for the `legacy` client. It exists only to compare with the modern flows.
 */
export function registerPasswordGrant(
  provider: ProviderInstance,
  errors: ProviderModule['errors'],
  users: readonly DevServerUser[],
  knownScopes: ReadonlySet<string>,
): void {
  const byUsername = new Map(users.map((user) => [user.username, user]))
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
      if (scope) grant.addOIDCScope(scope)
      // The grant backs userinfo, introspection, refresh and revocation of these tokens.
      const grantId = await grant.save()
      const accessToken = new provider.AccessToken({
        accountId: user.sub,
        client,
        grantId,
        gty: 'password',
        scope,
      })
      const body: Record<string, unknown> = {
        access_token: await accessToken.save(),
        token_type: accessToken.tokenType ?? 'Bearer',
        expires_in: accessToken.expiration,
        scope,
      }
      if (client.grantTypeAllowed('refresh_token')) {
        const refreshToken = new provider.RefreshToken({
          accountId: user.sub,
          client,
          grantId,
          gty: 'password',
          scope,
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
    ['username', 'password', 'scope'],
  )
}
