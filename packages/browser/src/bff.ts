/**
 * The browser side of a Backend for Frontend (`createBff` from `@oauthkit/node/bff`): the SPA
 * holds no token at all, only the BFF's HttpOnly session cookie, which scripts cannot read. This
 * entry is separate, and imports nothing from the token-handling client, so an app that uses it
 * bundles a few hundred bytes.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps#section-6.1
 * @packageDocumentation
 */

/** Options of {@link createBffClient}. */
export interface BffClientOptions {
  /** Where the BFF's endpoints are, on this origin. Default `/auth`. */
  basePath?: string
  /** The Fetch API implementation. Default the global `fetch`. */
  fetch?: typeof fetch
  /** Leaves the page for `url`. Default `location.assign(url)`. */
  navigate?: (url: string) => void
}

/** A change of the session seen by this tab or told by another one. */
export interface BffSessionEvent {
  /** `login` when a user appeared, `logout` when the session ended (here, in another tab, or at the server). */
  type: 'login' | 'logout'
  /** Whether another tab saw it first. */
  fromOtherTab: boolean
}

/** The browser companion of a BFF: see {@link createBffClient}. */
export interface BffClient {
  /** Goes to the BFF's login, which comes back to `returnTo` (a path on this origin). */
  login(options?: { returnTo?: string }): void
  /** The signed-in user's claims, or `undefined` when anonymous. */
  getUser(): Promise<Record<string, unknown> | undefined>
  /** Ends the session at the BFF (which revokes the tokens) and then at the authorization server. */
  logout(): Promise<void>
  /** `fetch` for this origin's API routes: adds the BFF's CSRF header and sends the cookie. */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>
  /** Calls `listener` on every session change; returns the unsubscribe function. */
  subscribe(listener: (event: BffSessionEvent) => void): () => void
  /** Closes the cross-tab channel. */
  close(): void
}

/**
 * Creates the companion. The CSRF header it adds (`x-oauthkit-csrf: 1`) is what the BFF demands
 * of every state-changing request and API call: another site cannot send it without a CORS
 * preflight the BFF never approves.
 *
 * @example
 * ```ts
 * const auth = createBffClient()
 * const user = await auth.getUser()
 * if (!user) auth.login({ returnTo: location.pathname })
 * const orders = await (await auth.fetch('/api/orders')).json()
 * ```
 */
export function createBffClient(options: BffClientOptions = {}): BffClient {
  const base = (options.basePath ?? '/auth').replace(/\/$/, '')
  const send = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const navigate = options.navigate ?? ((url: string) => location.assign(url))
  const listeners = new Set<(event: BffSessionEvent) => void>()
  let channel: BroadcastChannel | undefined
  let known: boolean | undefined

  const emit = (type: BffSessionEvent['type'], fromOtherTab = false) => {
    if (!fromOtherTab) channel?.postMessage(type)
    for (const listener of listeners) {
      try {
        listener({ type, fromOtherTab })
      } catch {
        // One listener's failure is its own.
      }
    }
  }
  // Emits only changes: a tab that already knows the user is signed in stays quiet.
  const saw = (signedIn: boolean) => {
    if (known !== undefined && known !== signedIn) emit(signedIn ? 'login' : 'logout')
    known = signedIn
  }

  const client: BffClient = {
    login(loginOptions) {
      const returnTo = loginOptions?.returnTo
      navigate(`${base}/login${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ''}`)
    },
    async getUser() {
      const response = await client.fetch(`${base}/user`)
      if (!response.ok) throw new Error(`the BFF answered ${response.status}`)
      const user = (await response.json()) as Record<string, unknown> | null
      saw(user !== null)
      return user ?? undefined
    },
    async logout() {
      const response = await client.fetch(`${base}/logout`, { method: 'POST' })
      // Refused (403) or failed: the session may well still be there; no tab is told otherwise.
      if (!response.ok) throw new Error(`the BFF answered ${response.status}`)
      const { logoutUrl } = (await response.json()) as { logoutUrl?: string }
      saw(false)
      if (logoutUrl) navigate(logoutUrl)
    },
    async fetch(input, init) {
      const request = new Request(input, init)
      request.headers.set('x-oauthkit-csrf', '1')
      const response = await send(request, { credentials: 'same-origin' })
      if (response.status === 401) saw(false)
      return response
    },
    subscribe(listener) {
      if (!channel && typeof BroadcastChannel === 'function') {
        channel = new BroadcastChannel(`oauthkit bff ${base}`)
        channel.onmessage = ({ data }: MessageEvent) => {
          if (data !== 'login' && data !== 'logout') return
          known = data === 'login'
          emit(data, true)
        }
      }
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    close() {
      channel?.close()
      channel = undefined
    },
  }
  return client
}
