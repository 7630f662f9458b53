/**
 * The token source of a `node:http` request: the `Authorization` header, or, when the URL carries
 * an `access_token` parameter, a `Request` that the verifier refuses (RFC 6750 §2.3 is not
 * supported: query-string tokens end up in logs).
 */
export function nodeRequestInput(
  url: string | undefined,
  authorization: string | undefined,
): string | Request | undefined {
  if (!url?.includes('access_token')) return authorization
  const parsed = new URL(url, 'http://localhost')
  if (!parsed.searchParams.has('access_token')) return authorization
  return new Request(parsed, authorization ? { headers: { authorization } } : {})
}
