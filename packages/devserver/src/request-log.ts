import type { DevServerRequest } from './dev-server-options.js'

/** Request counts returned by `server.stats()`. */
export interface DevServerStats {
  /** Every request, CORS preflights included. */
  total: number
  /** Non-preflight requests per endpoint name (`token`, `authorization`, `userinfo`...). */
  endpoints: Record<string, number>
  /** CORS preflight (`OPTIONS`) requests per endpoint name. */
  preflights: Record<string, number>
}

// Path → endpoint name, following the discovery metadata names (RFC 8414 §2) minus `_endpoint`.
const EXACT: Record<string, string> = {
  '/.well-known/openid-configuration': 'discovery',
  '/.well-known/oauth-authorization-server': 'discovery',
  '/auth': 'authorization',
  '/token': 'token',
  '/me': 'userinfo',
  '/jwks': 'jwks',
  '/token/introspection': 'introspection',
  '/token/revocation': 'revocation',
  '/request': 'pushed_authorization_request',
  '/device/auth': 'device_authorization',
  '/session/end': 'end_session',
}
const PREFIX: [string, string][] = [
  ['/auth/', 'authorization_resume'],
  ['/interaction/', 'interaction'],
  ['/session/end/', 'end_session'],
  ['/device', 'device_verification'],
]

/** Maps a request path to its endpoint name, or `other`. */
export function endpointForPath(path: string): string {
  const exact = EXACT[path]
  if (exact) return exact
  for (const [prefix, name] of PREFIX) if (path.startsWith(prefix)) return name
  return 'other'
}

/** Keeps the request log behind `server.requests()` and `server.stats()`. */
export class RequestLog {
  #entries: DevServerRequest[] = []

  // The log is bounded so a long-running playground does not grow without limit.
  static readonly LIMIT = 10_000

  /** Records one request. */
  add(entry: DevServerRequest): void {
    this.#entries.push(entry)
    if (this.#entries.length > RequestLog.LIMIT) this.#entries.shift()
  }

  /** A copy of the recorded requests, oldest first. */
  entries(): DevServerRequest[] {
    return [...this.#entries]
  }

  /** Counts per endpoint. */
  stats(): DevServerStats {
    const endpoints: Record<string, number> = {}
    const preflights: Record<string, number> = {}
    for (const { method, endpoint } of this.#entries) {
      const bucket = method === 'OPTIONS' ? preflights : endpoints
      bucket[endpoint] = (bucket[endpoint] ?? 0) + 1
    }
    return { total: this.#entries.length, endpoints, preflights }
  }

  /** Forgets every recorded request. */
  reset(): void {
    this.#entries = []
  }
}
