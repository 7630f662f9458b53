import { AccessTokenError } from '@oauthkit/core'

/** An HTTP answer to a refused or failed verification. */
export interface Refusal {
  status: number
  headers: Record<string, string>
  body: string
}

/**
 * The RFC 6750 §3 answer for `err`: 400/401/403 with `WWW-Authenticate` for an
 * {@link AccessTokenError}, a bare 500 for anything else (the issuer or its keys could not be
 * reached: not the caller's fault, and no detail leaks). Bodies never contain the token.
 */
export function toRefusal(err: unknown): Refusal {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'cache-control': 'no-store',
  }
  if (err instanceof AccessTokenError) {
    headers['www-authenticate'] = err.wwwAuthenticate
    const body = err.error
      ? { error: err.error, error_description: err.error_description }
      : { error_description: err.error_description }
    return { status: err.status, headers, body: JSON.stringify(body) }
  }
  return {
    status: 500,
    headers,
    body: JSON.stringify({
      error: 'server_error',
      error_description: 'the access token could not be verified',
    }),
  }
}
