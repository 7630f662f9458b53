import * as oauth from 'oauth4webapi'
import type { IdTokenClaims } from './authorization-code.js'
import type { ClientContext } from './client-context.js'
import { base64UrlDecode } from './decode-jwt.js'
import { OAuthKitError } from './errors.js'

/** What {@link checkIdTokenClaims} checks against. */
export interface IdTokenExpectations {
  /** This client's `client_id`. */
  clientId: string
  /** The access token issued with the ID Token, for `at_hash`; absent: `at_hash` was checked before. */
  accessToken?: string | undefined
  /** The ID Token itself, for its header's `alg`. */
  idToken: string
  /** Seconds of clock difference tolerated. */
  clockTolerance: number
  /** The claims of the session's previous ID Token, for a refreshed one (OIDC Core §12.2). */
  previous?: IdTokenClaims | undefined
  /** The current time in milliseconds. */
  now?: number
}

// §3.1.3.6 / §3.2.2.9: the hash of at_hash follows the JWS algorithm's: SHA-<bits> for RS, PS
// and ES<bits>; Ed25519 (RFC 8037, as EdDSA or Ed25519) with SHA-512, as the OpenID Foundation's
// errata say. Any other `alg` cannot be checked.
const HASHED_ALG = /^(?:[EPR]S(256|384|512)|EdDSA|Ed25519)$/

/**
 * The ID Token checks of OIDC Core §2, §3.1.3.7 and §12.2 that oauth4webapi leaves to its caller,
 * run on claims oauth4webapi has already validated (`iss`, `aud`, `azp` with several audiences,
 * `exp`, `nonce`, `alg`, and types of `iat`/`auth_time`):
 *
 * - `sub`: 1 to 255 printable ASCII characters (§2);
 * - `azp`, when present, is this client even with a single audience (§3.1.3.7 item 5);
 * - `iat` is not in the future beyond the clock tolerance (§3.1.3.7 item 10);
 * - `acr` a string and `amr` an array of strings when present (§2);
 * - `at_hash`, when present, matches the access token (§3.1.3.8, §3.3.2.11);
 * - a refreshed ID Token has the `iss`, `sub`, `aud`, `azp` and `auth_time` of the session's
 *   previous one, and no `nonce` other than its (§12.2).
 *
 * @internal
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 */
export async function checkIdTokenClaims(
  claims: IdTokenClaims,
  expected: IdTokenExpectations,
): Promise<void> {
  const { sub, azp, iat, acr, amr, at_hash } = claims
  // Printable ASCII: a control character in an identifier is never meant, and may split logs.
  if (!/^[ -~]{1,255}$/.test(sub)) {
    throw invalid('"sub" is not 1 to 255 printable ASCII characters (OIDC Core §2)')
  }
  if (azp !== undefined && azp !== expected.clientId) {
    throw invalid('"azp" is not this client (OIDC Core §3.1.3.7)')
  }
  const now = (expected.now ?? Date.now()) / 1000
  if (iat > now + expected.clockTolerance) {
    throw invalid('"iat" is in the future (OIDC Core §3.1.3.7)')
  }
  if (acr !== undefined && typeof acr !== 'string') throw invalid('"acr" is not a string')
  if (amr !== undefined && !(Array.isArray(amr) && amr.every((m) => typeof m === 'string'))) {
    throw invalid('"amr" is not an array of strings')
  }
  // An encrypted ID Token's outer header is the JWE's: its signing `alg` is not readable here, and
  // `at_hash` is optional in token endpoint responses (§3.1.3.8), so it is checked on JWS only.
  const signed = expected.idToken.split('.').length === 3
  if (at_hash !== undefined && expected.accessToken !== undefined && signed) {
    await checkAccessTokenHash(at_hash, expected.accessToken, expected.idToken)
  }
  if (expected.previous) checkRefreshed(claims, expected.previous)
}

async function checkAccessTokenHash(
  atHash: unknown,
  accessToken: string,
  idToken: string,
): Promise<void> {
  const header = JSON.parse(new TextDecoder().decode(base64UrlDecode(idToken.split('.')[0] ?? '')))
  const alg = String(header.alg)
  const bits = HASHED_ALG.exec(alg)
  if (!bits) throw invalid(`"at_hash" cannot be checked for alg ${alg}`)
  const digest = new Uint8Array(
    await crypto.subtle.digest(`SHA-${bits[1] ?? 512}`, new TextEncoder().encode(accessToken)),
  )
  const left = digest.slice(0, digest.length / 2)
  if (typeof atHash !== 'string' || atHash !== base64Url(left)) {
    throw invalid('"at_hash" does not match the access token (OIDC Core §3.1.3.8)')
  }
}

// §12.2: the refreshed ID Token describes the same authentication of the same user.
function checkRefreshed(claims: IdTokenClaims, previous: IdTokenClaims): void {
  checkSubject(claims, previous.sub)
  if (!sameAudience(claims.aud, previous.aud)) {
    throw invalid('refreshed ID Token changes "aud" (OIDC Core §12.2)')
  }
  for (const name of ['iss', 'azp', 'auth_time'] as const) {
    // Present in either: the same value in both (a refreshed ID Token may not drop `azp` either).
    const present = claims[name] !== undefined || previous[name] !== undefined
    if (present && claims[name] !== previous[name]) {
      throw invalid(`refreshed ID Token changes "${name}" (OIDC Core §12.2)`)
    }
  }
  if (claims.nonce !== undefined && claims.nonce !== previous.nonce) {
    throw invalid('refreshed ID Token has another "nonce" (OIDC Core §12.2)')
  }
}

// `aud` is a string or an array of them (RFC 7519 §4.1.3): compared as sets.
function sameAudience(a: string | string[], b: string | string[]): boolean {
  const left = new Set([a].flat())
  const right = new Set([b].flat())
  return left.size === right.size && [...left].every((value) => right.has(value))
}

function base64Url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/**
 * Throws `ERR_SUBJECT_MISMATCH` when a refreshed ID Token's `sub` is not `expected` (OIDC Core
 * §12.2); nothing to compare when `expected` is `undefined`.
 *
 * @internal
 */
export function checkSubject(claims: IdTokenClaims, expected: string | undefined): void {
  if (expected !== undefined && claims.sub !== expected) {
    throw new OAuthKitError('refreshed ID Token names another subject', {
      code: 'ERR_SUBJECT_MISMATCH',
    })
  }
}

function invalid(message: string): OAuthKitError {
  return new OAuthKitError(`invalid ID Token: ${message}`, { code: 'ERR_ID_TOKEN_INVALID' })
}

/**
 * Runs {@link checkIdTokenClaims} on the ID Token of a token response that oauth4webapi has
 * processed, if it has one.
 *
 * @internal
 */
export async function checkIdTokenOf(
  context: ClientContext,
  body: oauth.TokenEndpointResponse,
  previous?: IdTokenClaims,
  withAccessToken = true,
): Promise<void> {
  const claims = oauth.getValidatedIdTokenClaims(body)
  if (!claims || body.id_token === undefined) return
  const tolerance = (context.client as { [oauth.clockTolerance]?: number })[oauth.clockTolerance]
  await checkIdTokenClaims(claims, {
    clientId: context.client.client_id,
    accessToken: withAccessToken ? body.access_token : undefined,
    idToken: body.id_token,
    clockTolerance: tolerance ?? 0,
    previous,
  })
}
