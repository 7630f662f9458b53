import type { HttpOptions } from '@oauthkit/core'
import { createJwksCache, decodeJwt, OAuthKitError, type ServerMetadata } from '@oauthkit/core'
// The asymmetric algorithms every supported runtime verifies: never `none` or HMAC (§2.6 step 3).
import { DEFAULT_JWS_ALGORITHMS } from '@oauthkit/core/internal'

/** The claims of a verified logout token (OIDC Back-Channel Logout 1.0 §2.4). */
export interface LogoutTokenClaims {
  iss: string
  aud: string | string[]
  iat: number
  jti: string
  events: Record<string, unknown>
  sub?: string
  sid?: string
  exp?: number
}

const EVENT = 'http://schemas.openid.net/event/backchannel-logout'
const jwks = createJwksCache()

/**
 * Validates a Back-Channel Logout token as §2.6 prescribes: a JWS signed with a key from the
 * issuer's JWKS (an asymmetric algorithm, never `none` or HMAC), `iss` the issuer, `aud` this
 * client, `iat` present and `exp` (when present) not past, a `jti`, the back-channel logout
 * member in `events`, a `sub` or a `sid`, and no `nonce` (which would make it usable as an ID
 * Token). `typ`, when present, must be `logout+jwt`.
 *
 * @throws {@link OAuthKitError} `ERR_LOGOUT_TOKEN_INVALID` naming the check that failed.
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#Validation
 */
export async function verifyLogoutToken(
  token: string,
  metadata: ServerMetadata,
  clientId: string,
  options: { clockTolerance: number; http: HttpOptions },
): Promise<LogoutTokenClaims> {
  let header: Record<string, unknown>
  try {
    ;({ header } = decodeJwt(token))
  } catch {
    throw invalid('it is not a JWT')
  }
  if (typeof header.alg !== 'string' || !DEFAULT_JWS_ALGORITHMS.includes(header.alg)) {
    throw invalid('its "alg" is not an allowed asymmetric algorithm')
  }
  // RFC 7515 §4.1.9: the `application/` prefix may be left out, and names are case-insensitive.
  const typ = header.typ === undefined ? undefined : String(header.typ).toLowerCase()
  if (typ !== undefined && typ.replace(/^application\//, '') !== 'logout+jwt') {
    throw invalid('its "typ" is not logout+jwt')
  }
  const generation = await jwks.keysFor(metadata, header, options.http)
  const keys = generation?.cache.jwks?.keys ?? []
  const { jwtVerify, createLocalJWKSet } = await import('jose')
  let payload: Record<string, unknown>
  try {
    ;({ payload } = await jwtVerify(token, createLocalJWKSet({ keys: keys as never[] }), {
      issuer: metadata.issuer,
      audience: clientId,
      algorithms: [...DEFAULT_JWS_ALGORITHMS],
      clockTolerance: options.clockTolerance,
      requiredClaims: ['iat', 'jti', 'events'],
    }))
  } catch (cause) {
    throw invalid(
      `its signature or claims do not verify (${(cause as { code?: string }).code ?? 'invalid'})`,
    )
  }
  const events = payload.events
  if (typeof events !== 'object' || events === null || Array.isArray(events)) {
    throw invalid('"events" is not an object')
  }
  const event = (events as Record<string, unknown>)[EVENT]
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw invalid('"events" has no back-channel logout event')
  }
  if ('nonce' in payload) throw invalid('it carries a "nonce"')
  const { sub, sid } = payload
  if (typeof sub !== 'string' && typeof sid !== 'string')
    throw invalid('it has neither "sub" nor "sid"')
  if (typeof payload.jti !== 'string') throw invalid('"jti" is not a string')
  return payload as unknown as LogoutTokenClaims
}

function invalid(reason: string): OAuthKitError {
  return new OAuthKitError(`invalid logout token: ${reason}`, { code: 'ERR_LOGOUT_TOKEN_INVALID' })
}
