import type { JwtAccessTokenClaims } from '@oauthkit/core'
import type { AccessTokenVerifier, VerifyOptions } from './create-access-token-verifier.js'
import { toRefusal } from './to-refusal.js'

/** A Fetch API handler that runs only for requests with a valid access token. */
export type AuthenticatedFetchHandler = (
  request: Request,
  claims: JwtAccessTokenClaims,
) => Response | Promise<Response>

/**
 * Wraps a Fetch API handler (Node's `http` via an adapter, Hono, Next.js route handlers, Deno,
 * Bun, workers) so it runs only with a verified access token. Refusals are answered per RFC 6750
 * §3: 401 `invalid_token` (or a bare `Bearer` challenge when no token was sent), 403
 * `insufficient_scope`, 400 `invalid_request`, each with `WWW-Authenticate`; a failure to reach
 * the issuer is a 500.
 *
 * The whole `Request` goes to the verifier, so DPoP-bound tokens (RFC 9449 §7: `Authorization:
 * DPoP …` and a `DPoP` proof header) are accepted too, the proof checked against the request's
 * method and URL. Behind a proxy, build the `Request` with the URL the client called.
 *
 * @example
 * ```ts
 * export const GET = withAccessToken(verifier, (request, claims) => Response.json({ sub: claims.sub }))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function withAccessToken(
  verifier: AccessTokenVerifier,
  handler: AuthenticatedFetchHandler,
  options?: VerifyOptions,
): (request: Request) => Promise<Response> {
  return async (request) => {
    let claims: JwtAccessTokenClaims
    try {
      claims = await verifier.verify(request, options)
    } catch (err) {
      const refusal = toRefusal(err)
      return new Response(refusal.body, { status: refusal.status, headers: refusal.headers })
    }
    return handler(request, claims)
  }
}
