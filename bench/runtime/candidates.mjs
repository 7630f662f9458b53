// What bench/runtimes.mjs measures inside each runtime, written once for all of them: the RFC 9068
// verification of one token by @oauthkit/node (with `verifiedTokenCache: false`, so every call checks the
// signature, as bench/verify.mjs does) and by oauth4webapi's validateJwtAccessToken, the engine
// it wraps. Both are warmed (discovery, JWKS) before any sample.
import { createAccessTokenVerifier } from '@oauthkit/node'
import * as oauth from 'oauth4webapi'

/**
 * @param {{ issuer: string, audience: string, token: string }} setup
 * @returns {Promise<Record<string, () => Promise<unknown>>>}
 */
export async function verifyCandidates({ issuer, audience, token }) {
  const verifier = createAccessTokenVerifier({
    issuer,
    audience,
    allowInsecureRequests: true, // the bench server is http://127.0.0.1
    verifiedTokenCache: false,
  })
  const as = { issuer, jwks_uri: `${issuer}/jwks` }
  const options = { [oauth.allowInsecureRequests]: true, [oauth.jwksCache]: {} }
  const request = new Request(`${audience}/things`, {
    headers: { authorization: `Bearer ${token}` },
  })
  const candidates = {
    '@oauthkit/node verify()': () => verifier.verify(`Bearer ${token}`, { scopes: ['read'] }),
    'oauth4webapi validateJwtAccessToken()': () =>
      oauth.validateJwtAccessToken(as, request, audience, options),
  }
  for (const verify of Object.values(candidates)) await verify()
  return candidates
}
