import type { DevServerUser } from './default-users.js'
import { renderConsentPage, renderLoginPage, renderMessagePage } from './html-pages.js'
import type { ProviderContext, ProviderInstance, ProviderMiddleware } from './provider-types.js'
import { readFormBody } from './read-form-body.js'

const ROUTE = /^\/interaction\/([\w-]+)(?:\/(login|confirm|abort))?$/

const asStrings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []

/**
 * Serves the login and consent pages at `/interaction/:uid` (OIDC Core §3.1.2.3–4) in place of
 * oidc-provider's devInteractions, which accept any password and cannot list test users.
 */
export function createInteractionMiddleware(
  provider: ProviderInstance,
  users: readonly DevServerUser[],
): ProviderMiddleware {
  const bySub = new Map(users.map((user) => [user.sub, user]))
  const byUsername = new Map(users.map((user) => [user.username, user]))

  const html = (ctx: ProviderContext, status: number, body: string): void => {
    ctx.status = status
    ctx.type = 'html'
    ctx.set('cache-control', 'no-store')
    ctx.body = body
  }

  const finish = async (
    ctx: ProviderContext,
    result: Record<string, unknown>,
    merge = true,
  ): Promise<void> => {
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, {
      mergeWithLastSubmission: merge,
    })
    ctx.status = 303
    ctx.redirect(returnTo)
  }

  return async (ctx, next) => {
    const match = ROUTE.exec(ctx.path)
    if (!match) return next()
    const action = match[2]
    if ((action === undefined) !== (ctx.method === 'GET')) {
      html(ctx, 405, renderMessagePage('Method not allowed', 'Use the form on this page.', true))
      return
    }

    let details: Awaited<ReturnType<ProviderInstance['interactionDetails']>>
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res)
    } catch {
      // Missing or mismatched interaction cookie: usually a stale tab or a cookie-less client.
      html(
        ctx,
        400,
        renderMessagePage(
          'Sign-in expired',
          'This sign-in request is no longer valid. Start again from the application.',
          true,
        ),
      )
      return
    }
    if (details.uid !== match[1]) {
      html(ctx, 400, renderMessagePage('Sign-in expired', 'Interaction mismatch.', true))
      return
    }
    const clientId = String(details.params.client_id)
    const client = await provider.Client.find(clientId)
    const clientName = client?.clientName ?? clientId
    const prompt = details.prompt

    if (action === 'abort') {
      await finish(
        ctx,
        { error: 'access_denied', error_description: 'End-User aborted interaction' },
        false,
      )
      return
    }

    if (prompt.name === 'login') {
      if (action === undefined) {
        html(ctx, 200, renderLoginPage({ uid: details.uid, clientName, users }))
        return
      }
      if (action !== 'login') {
        html(ctx, 400, renderMessagePage('Unexpected step', 'Sign in first.', true))
        return
      }
      const form = await readFormBody(ctx.req)
      const username = form.get('username') ?? ''
      const user = byUsername.get(username)
      if (!user || user.password !== form.get('password')) {
        html(
          ctx,
          401,
          renderLoginPage({
            uid: details.uid,
            clientName,
            users,
            username,
            error: 'Unknown username or wrong password.',
          }),
        )
        return
      }
      await finish(ctx, { login: { accountId: user.sub } })
      return
    }

    if (prompt.name === 'consent') {
      const missingScopes = asStrings(prompt.details.missingOIDCScope)
      const missingClaims = asStrings(prompt.details.missingOIDCClaims)
      const missingResources: Record<string, string[]> = {}
      const resourceScopes = prompt.details.missingResourceScopes
      if (typeof resourceScopes === 'object' && resourceScopes !== null) {
        for (const [indicator, scopes] of Object.entries(resourceScopes)) {
          missingResources[indicator] = asStrings(scopes)
        }
      }
      const accountId = details.session?.accountId ?? ''
      if (action === undefined) {
        html(
          ctx,
          200,
          renderConsentPage({
            uid: details.uid,
            clientName,
            username: bySub.get(accountId)?.username ?? accountId,
            // oidc-provider also reports API scopes as missing OIDC scopes; list them once.
            scopes: missingScopes.filter(
              (scope) => !Object.values(missingResources).some((list) => list.includes(scope)),
            ),
            claims: missingClaims,
            resources: missingResources,
          }),
        )
        return
      }
      if (action !== 'confirm') {
        html(ctx, 400, renderMessagePage('Unexpected step', 'Confirm or deny access.', true))
        return
      }
      // Mirrors oidc-provider's own consent submit: extend the existing grant or create one
      // holding exactly what the consent prompt reported missing.
      const grant =
        (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
        new provider.Grant({ accountId, clientId })
      if (missingScopes.length > 0) grant.addOIDCScope(missingScopes.join(' '))
      if (missingClaims.length > 0) grant.addOIDCClaims(missingClaims)
      for (const [indicator, scopes] of Object.entries(missingResources)) {
        grant.addResourceScope(indicator, scopes.join(' '))
      }
      const grantId = await grant.save()
      await finish(ctx, { consent: { grantId } })
      return
    }

    html(
      ctx,
      400,
      renderMessagePage(
        'Unsupported prompt',
        `The prompt "${prompt.name}" is not supported.`,
        true,
      ),
    )
  }
}
