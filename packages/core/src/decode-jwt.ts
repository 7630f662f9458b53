import { OAuthKitError } from './errors.js'

/** A JWT split into its parts. Nothing about it has been verified. */
export interface DecodedJwt {
  /** The JOSE header (RFC 7515 §4). */
  header: Record<string, unknown>
  /** The claims (RFC 7519 §4). Unverified: do not make decisions on them. */
  payload: Record<string, unknown>
  /** The signature, base64url-encoded as it appeared in the token. */
  signature: string
  /** The three encoded segments, for display. */
  segments: [header: string, payload: string, signature: string]
}

/**
 * Splits a compact JWS (RFC 7515 §7.1) into header, payload and signature **without verifying
 * anything**: not the signature, not the issuer, not the expiry. For display and debugging only;
 * to trust a token, verify it (`verifyJwtAccessToken`, or ID Token validation during login).
 *
 * @throws {@link OAuthKitError} `ERR_JWT_MALFORMED` when the token is not three base64url
 *   segments whose first two are JSON objects. The message never contains the token.
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-7.2
 */
export function decodeJwt(token: string): DecodedJwt {
  if (typeof token !== 'string') throw malformed('is not a string')
  const segments = token.split('.')
  if (segments.length !== 3) throw malformed(`has ${segments.length} segments, expected 3`)
  const [h, p, s] = segments as [string, string, string]
  return {
    header: decodeSegment(h, 'header'),
    payload: decodeSegment(p, 'payload'),
    signature: s,
    segments: [h, p, s],
  }
}

const BASE64URL = /^[A-Za-z0-9_-]*$/

function decodeSegment(segment: string, part: string): Record<string, unknown> {
  if (segment.length === 0 || !BASE64URL.test(segment)) throw malformed(`${part} is not base64url`)
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(base64UrlDecode(segment)))
  } catch {
    throw malformed(`${part} is not JSON`)
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw malformed(`${part} is not a JSON object`)
  }
  return json as Record<string, unknown>
}

/** Decodes base64url (RFC 4648 §5) into bytes, without relying on `Buffer`. */
export function base64UrlDecode(input: string): Uint8Array {
  const base64 = input.replace(/-/g, '+').replace(/_/g, '/')
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4))
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/** Encodes bytes as base64url without padding (RFC 4648 §5), without relying on `Buffer`. */
export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function malformed(reason: string): OAuthKitError {
  return new OAuthKitError(`jwt ${reason}`, { code: 'ERR_JWT_MALFORMED' })
}
