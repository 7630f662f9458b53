// The authorization response parameters (RFC 6749 §4.1.2, §4.1.2.1; RFC 9207 §2; OIDC Session
// Management §3), which must not stay in the address bar, the history or a bookmark.
const RESPONSE_PARAMETERS = [
  'code',
  'state',
  'iss',
  'error',
  'error_description',
  'error_uri',
  'session_state',
]

/**
 * The callback URL without its authorization response parameters, as a same-origin path for
 * `history.replaceState`. Other query parameters and the fragment stay.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.2.4
 */
export function cleanCallbackUrl(callback: URL): string {
  const url = new URL(callback.href)
  for (const name of RESPONSE_PARAMETERS) url.searchParams.delete(name)
  return `${url.pathname}${url.search}${url.hash}`
}
