import type { IncomingMessage, ServerResponse } from 'node:http'
import { AccessTokenError, type JwtAccessTokenClaims } from '@oauthkit/core'
import type { AccessTokenVerifier, VerifyOptions } from './create-access-token-verifier.js'
import { nodeRequestInput } from './node-request-input.js'
import { toRefusal } from './to-refusal.js'

/** A request that passed {@link accessTokenMiddleware}: the verified claims are on `auth`. */
export interface AuthenticatedRequest extends IncomingMessage {
  /** The verified access-token claims. */
  auth?: JwtAccessTokenClaims
}

/** An Express/Connect-style middleware, typed without depending on Express. */
export type AccessTokenMiddleware = (
  req: AuthenticatedRequest,
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void

/**
 * Express/Connect-style middleware: sets `req.auth` to the verified claims and calls `next()`, or
 * answers 401/403/400 with `WWW-Authenticate` per RFC 6750 §3. Other failures (the issuer cannot
 * be reached) go to `next(err)`, the framework's error handler.
 *
 * Bearer tokens only, as `verifyNodeRequest`.
 *
 * @example
 * ```ts
 * app.get('/orders', accessTokenMiddleware(verifier, { scopes: ['orders:read'] }), handler)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function accessTokenMiddleware(
  verifier: AccessTokenVerifier,
  options?: VerifyOptions,
): AccessTokenMiddleware {
  return (req, res, next) => {
    verifier.verify(nodeRequestInput(req.url, req.headers.authorization), options).then(
      (claims) => {
        req.auth = claims
        next()
      },
      (err: unknown) => {
        if (!(err instanceof AccessTokenError)) return next(err)
        const refusal = toRefusal(err)
        res.writeHead(refusal.status, refusal.headers)
        res.end(refusal.body)
      },
    )
  }
}
