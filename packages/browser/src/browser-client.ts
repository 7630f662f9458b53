import type { DPoPHandle, IdTokenClaims, Session, SessionLock } from '@oauthkit/core'
import type { DPoPKeys } from './create-dpop-keys.js'
import type { KeyValueStore } from './key-value-store.js'

/**
 * Sender-constrained tokens (RFC 9449) for {@link BrowserClientOptions.dpop}. Create one with
 * `dpop()` from `@oauthkit/browser/dpop`; apps without DPoP do not bundle its code.
 */
export interface DPoPExtension {
  /** Loads the stored key pair, or creates and stores a non-extractable one, and wraps it. */
  createHandle(store: KeyValueStore, key: string): Promise<DPoPHandle>
  /**
   * The key pair of one client's session at `key` in `store`, loaded and created under the
   * session lock `lockName` (see `createDPoPKeys`). Here rather than in the client, so that an
   * app without DPoP carries none of it.
   */
  keys(store: KeyValueStore, key: string, lock: SessionLock, lockName: string): DPoPKeys
  /** Sends `request` with `accessToken` and a proof, retrying once when the server wants a nonce. */
  fetch(
    handle: DPoPHandle,
    request: Request,
    accessToken: string,
    fetchImpl: typeof fetch,
  ): Promise<Response>
}

/** Options of {@link createBrowserClient}. */
export interface BrowserClientOptions {
  /** The authorization server's issuer identifier; its metadata is discovered (RFC 8414 §3). */
  issuer: string | URL
  /** The client identifier of this public client (RFC 6749 §2.2). */
  clientId: string
  /** The registered redirect URI; the page there calls {@link BrowserClient.handleRedirect}. */
  redirectUri: string
  /** Space-separated scopes. Include `openid` for an ID Token and `offline_access` if the server wants it for refresh tokens. */
  scope: string
  /** RFC 8707 resource indicator(s) of the API the access token is for. */
  resource?: string | string[]
  /** Where state is kept. Default: IndexedDB ({@link createIndexedDbStore}). */
  store?: KeyValueStore
  /** The Fetch API implementation for the authorization server and for {@link BrowserClient.fetch}. */
  fetch?: typeof fetch
  /**
   * Origins {@link BrowserClient.fetch} may send the access token to. Default: the page's origin
   * and the origins of `resource`.
   */
  allowedOrigins?: string[]
  /** Sender-constrained tokens: `dpop()` from `@oauthkit/browser/dpop`. */
  dpop?: DPoPExtension
  /** Leaves the page for `url`. Default `location.assign(url)`; replace it in tests or to use a router. */
  navigate?: (url: string) => void
  /**
   * Allows an `http:` issuer. Lowers security: only for a local development server.
   * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.6
   */
  allowInsecureRequests?: boolean
}

/** Options of {@link BrowserClient.login}. */
export interface LoginOptions {
  /** Overrides the client's `scope` for this login. */
  scope?: string
  /** OIDC `prompt`, for example `login` or `consent` (OIDC Core §3.1.2.1). */
  prompt?: string
  /** OIDC `login_hint`. */
  loginHint?: string
  /** Handed back by {@link BrowserClient.handleRedirect}; kept in the store, never in the URL. */
  returnTo?: string
}

/** The result of {@link BrowserClient.handleRedirect}. */
export interface RedirectResult {
  /** The `returnTo` given to {@link BrowserClient.login}. */
  returnTo?: string
}

/** Options of {@link BrowserClient.logout}. */
export interface LogoutOptions {
  /** Where the authorization server sends the user after logging out; must be registered. */
  postLogoutRedirectUri?: string
}

/** Options of {@link BrowserClient.getAccessToken}. */
export interface GetAccessTokenOptions {
  /** Refreshes even though the token looks fresh, for example after the API answered 401. */
  forceRefresh?: boolean
}

/** A change of the session, in this tab or another one. */
export interface SessionEvent {
  /** `login` after a callback, `refresh` after new tokens, `logout` when the session ended. */
  type: 'login' | 'refresh' | 'logout'
  /** Whether another tab caused the change (the news came over `BroadcastChannel`). */
  fromOtherTab: boolean
}

/** Receives {@link SessionEvent}s. */
export type SessionListener = (event: SessionEvent) => void

/** A browser client made by {@link createBrowserClient}. */
export interface BrowserClient {
  /** Sends the user to the authorization server (authorization code + PKCE S256). */
  login(options?: LoginOptions): Promise<void>
  /** Completes the login on the redirect URI page. */
  handleRedirect(url?: string | URL): Promise<RedirectResult>
  /** A fresh access token, refreshed ahead of expiry when needed. */
  getAccessToken(options?: GetAccessTokenOptions): Promise<string>
  /** The validated ID Token claims of the session, or `undefined` when logged out. */
  getUser(): Promise<IdTokenClaims | undefined>
  /** Ends the session here, in every tab and at the server. */
  logout(options?: LogoutOptions): Promise<void>
  /** `fetch` with the access token attached, to allowed origins only. */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>
  /** Calls `listener` on every session change; returns the unsubscribe function. */
  subscribe(listener: SessionListener): () => void
  /** Removes the client's event listeners and closes its channel. */
  close(): void
}

/**
 * What the store holds for a signed-in user: the session engine's `Session` (tokens with their
 * receipt time, the last validated ID Token claims, when the session began, and an ID Token
 * waiting for its signature check).
 */
export type StoredSession = Session
