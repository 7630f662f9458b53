/** Per-file lifecycle of the hostile server, and a core client context pointed at it. */
import {
  type ClientContext,
  type ClientContextOptions,
  clearDiscoveryCache,
  createClientContext,
  discover,
  type HttpOptions,
} from '@oauthkit/core'
import { afterAll, beforeAll, beforeEach } from 'vitest'
import { type HostileServer, startHostileServer } from './hostile-server.js'

export const CLIENT_ID = 'security-client'
export const REDIRECT_URI = 'http://127.0.0.1/callback'
/** The resource server the access-token suites verify for (RFC 9068 `aud`). */
export const AUDIENCE = 'https://api.example'

/**
 * The claims of a valid RFC 9068 access token from `server` for {@link AUDIENCE}, with `extra`
 * merged in; a member set to `undefined` in `extra` is left out (to test a missing claim).
 */
export function accessTokenClaims(
  server: HostileServer,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000)
  const all: Record<string, unknown> = {
    iss: server.issuer,
    sub: 'user-1',
    aud: AUDIENCE,
    client_id: 'api-client',
    iat: now,
    exp: now + 300,
    jti: `jti-${Math.random()}`,
    scope: 'api:read',
    ...extra,
  }
  for (const [name, value] of Object.entries(all)) if (value === undefined) delete all[name]
  return all
}

/**
 * Starts one hostile server for the file, and before each test restores its default behaviour
 * and forgets cached discovery results. Read the server through the returned getter.
 */
export function useHostileServer(): () => HostileServer {
  let server: HostileServer | undefined
  beforeAll(async () => {
    server = await startHostileServer()
  })
  beforeEach(() => {
    server?.reset()
    clearDiscoveryCache()
  })
  afterAll(async () => {
    await server?.close()
  })
  return () => {
    if (!server) throw new Error('hostile server not started')
    return server
  }
}

/** Discovers `server` (http allowed: it is local) and builds a public-client context. */
export async function contextFor(
  server: HostileServer,
  http: HttpOptions = {},
  options: Partial<ClientContextOptions> = {},
): Promise<ClientContext> {
  const httpOptions: HttpOptions = { allowInsecureRequests: true, timeout: 2_000, ...http }
  const metadata = await discover(server.issuer, httpOptions)
  return createClientContext({ metadata, clientId: CLIENT_ID, http: httpOptions, ...options })
}
