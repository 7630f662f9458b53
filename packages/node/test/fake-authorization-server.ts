// An in-memory authorization server behind an injected `fetch`: discovery, a token endpoint whose
// answer each test scripts, and a request log. No sockets, no module mocks.
export const issuer = 'https://as.example.com'

export const metadata = {
  issuer,
  token_endpoint: `${issuer}/token`,
  authorization_endpoint: `${issuer}/authorize`,
  jwks_uri: `${issuer}/jwks`,
  revocation_endpoint: `${issuer}/revoke`,
  introspection_endpoint: `${issuer}/introspect`,
  userinfo_endpoint: `${issuer}/userinfo`,
  end_session_endpoint: `${issuer}/logout`,
}

export interface TokenRequestRecord {
  headers: Headers
  body: URLSearchParams
  signal: AbortSignal | undefined
}

export type TokenHandler = (
  request: TokenRequestRecord,
  count: number,
) => Response | Promise<Response>

let sequence = 0
export function tokenResponse(extra: Record<string, unknown> = {}): Response {
  sequence++
  return Response.json({
    access_token: `at-${sequence}-${Math.random().toString(36).slice(2)}`,
    token_type: 'Bearer',
    expires_in: 300,
    ...extra,
  })
}

export function fakeAuthorizationServer(handler: TokenHandler = () => tokenResponse()) {
  const state = {
    handler,
    discoveries: 0,
    tokenRequests: [] as TokenRequestRecord[],
  }
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    // As a real fetch: an aborted signal fails the request before anything is sent.
    request.signal.throwIfAborted()
    const url = new URL(request.url)
    if (url.pathname === '/.well-known/openid-configuration') {
      state.discoveries++
      return Response.json(metadata)
    }
    if (url.pathname === '/token' && request.method === 'POST') {
      const record = {
        headers: request.headers,
        body: new URLSearchParams(await request.text()),
        signal: init?.signal ?? undefined,
      }
      state.tokenRequests.push(record)
      return state.handler(record, state.tokenRequests.length)
    }
    return new Response('not found', { status: 404 })
  }) as typeof globalThis.fetch
  return { state, fetch }
}
