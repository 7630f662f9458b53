import type { IncomingMessage, ServerResponse } from 'node:http'
import type { JwtAccessTokenClaims } from '@oauthkit/core'
import type { AccessTokenVerifier, VerifyOptions } from './create-access-token-verifier.js'
import { nodeRequestInput } from './node-request-input.js'
import { toRefusal } from './to-refusal.js'

/**
 * Verifies the access token of a `node:http` request. Resolves the claims, or answers the request
 * itself (401/403/400 with `WWW-Authenticate` per RFC 6750 §3, 500 when the issuer cannot be
 * reached) and resolves `undefined`: the caller then just returns.
 *
 * Bearer tokens only: only the `Authorization` header is verified, so a DPoP-bound token is
 * refused (`DPoP` scheme: 400; as `Bearer`: 401). For DPoP use `withAccessToken` with a
 * Fetch `Request` carrying the URL the client called.
 *
 * @example
 * ```ts
 * createServer(async (req, res) => {
 *   const claims = await verifyNodeRequest(verifier, req, res, { scopes: ['read'] })
 *   if (!claims) return
 *   res.end(JSON.stringify({ hello: claims.sub }))
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export async function verifyNodeRequest(
  verifier: AccessTokenVerifier,
  req: IncomingMessage,
  res: ServerResponse,
  options?: VerifyOptions,
): Promise<JwtAccessTokenClaims | undefined> {
  try {
    return await verifier.verify(nodeRequestInput(req.url, req.headers.authorization), options)
  } catch (err) {
    const refusal = toRefusal(err)
    res.writeHead(refusal.status, refusal.headers)
    res.end(refusal.body)
    return undefined
  }
}
