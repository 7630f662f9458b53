import { vi } from 'vitest'

export const ISSUER = 'https://as.example.com'

export const METADATA = {
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/authorize`,
  token_endpoint: `${ISSUER}/token`,
  device_authorization_endpoint: `${ISSUER}/device/auth`,
  revocation_endpoint: `${ISSUER}/revoke`,
}

/** Answers one request; `signal` is the request's, for handlers that hang until released. */
export type Handler = (
  body: URLSearchParams,
  signal: AbortSignal | undefined,
) => Response | Promise<Response>

/**
 * A fetch that plays an authorization server: discovery from {@link METADATA}, and a handler per
 * endpoint path. Records every request with the (possibly fake) time it was made.
 */
export function fakeServer(handlers: Record<string, Handler>) {
  const calls: { path: string; body: URLSearchParams; at: number }[] = []
  const fetch = vi.fn(async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    if (url.pathname === '/.well-known/openid-configuration') return Response.json(METADATA)
    const body = new URLSearchParams(String(init?.body ?? ''))
    calls.push({ path: url.pathname, body, at: Date.now() })
    const handler = handlers[url.pathname]
    if (!handler) return new Response('not found', { status: 404 })
    return handler(body, init?.signal ?? undefined)
  })
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls }
}

/** Answers from a script, one response per call; the last one repeats. */
export function sequence(...responses: (() => Response)[]): Handler {
  let index = 0
  return () => responses[Math.min(index++, responses.length - 1)]!()
}

export const json =
  (body: unknown, status = 200) =>
  () =>
    Response.json(body, { status })

export const deviceAuthorization = (overrides: Record<string, unknown> = {}) =>
  json({
    device_code: 'device-code-secret',
    user_code: 'WDJB-MJHT',
    verification_uri: `${ISSUER}/device`,
    verification_uri_complete: `${ISSUER}/device?user_code=WDJB-MJHT`,
    expires_in: 600,
    ...overrides,
  })

export const tokens = (accessToken = 'at-1', extra: Record<string, unknown> = {}) =>
  json({ access_token: accessToken, token_type: 'Bearer', expires_in: 3600, ...extra })

/** A promise with its resolve function, for tests that wait on events rather than time. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((settle) => {
    resolve = settle
  })
  return { promise, resolve }
}

/**
 * A handler that waits for `gate` before answering with `answer`, rejecting as a real fetch
 * does when the request's signal aborts first. `started` resolves when the request arrives.
 */
export function gated(answer: () => Response, gate: Promise<void>) {
  const started = deferred<AbortSignal | undefined>()
  const handler: Handler = (_body, signal) =>
    new Promise<Response>((resolve, reject) => {
      started.resolve(signal)
      if (signal?.aborted) return reject(signal.reason)
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true })
      void gate.then(() => resolve(answer()))
    })
  return { handler, started: started.promise }
}
