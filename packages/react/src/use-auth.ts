import type {
  BrowserClient,
  GetAccessTokenOptions,
  LoginOptions,
  LogoutOptions,
} from '@oauthkit/browser'
import { useMemo, useSyncExternalStore } from 'react'
import { useAuthStore } from './auth-context.js'
import type { AuthState } from './auth-state.js'

/**
 * What {@link useAuth} returns: the state and the client's methods.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 */
export interface Auth extends AuthState {
  /** Sends the user to the authorization server; `returnTo` comes back to `onRedirect`. */
  login(options?: LoginOptions): Promise<void>
  /** Ends the session in every tab and at the server. */
  logout(options?: LogoutOptions): Promise<void>
  /**
   * A fresh access token (refreshed ahead of expiry). A failure of an existing session also
   * becomes {@link AuthState.error}; for a logged-out user it rejects with `ERR_LOGIN_REQUIRED`.
   */
  getAccessToken(options?: GetAccessTokenOptions): Promise<string>
  /** `fetch` with the access token attached, to the client's allowed origins only (RFC 6750 §2.1). */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>
  /** The underlying `@oauthkit/browser` client, for everything else. */
  client: BrowserClient
}

/**
 * The session and the client's methods, from the nearest {@link AuthProvider}. Re-renders on every
 * login, refresh and logout, in this tab or another (the client's `subscribe()`); never polls.
 *
 * @throws {@link OAuthKitError} (`ERR_NO_AUTH_PROVIDER`) outside an `AuthProvider`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 * @example
 * ```tsx
 * const { isLoading, isAuthenticated, user, error, login, logout } = useAuth()
 * if (isLoading) return <Spinner />
 * if (error) return <p role="alert">{error.message}</p>
 * return isAuthenticated
 *   ? <button onClick={() => logout()}>Log out {user?.name}</button>
 *   : <button onClick={() => login({ returnTo: location.pathname })}>Log in</button>
 * ```
 */
export function useAuth(): Auth {
  const store = useAuthStore('useAuth()')
  const state = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getServerSnapshot)
  return useMemo(
    () => ({
      ...state,
      login: store.login,
      logout: (options?: LogoutOptions) => store.client.logout(options),
      getAccessToken: store.getAccessToken,
      fetch: store.fetch,
      client: store.client,
    }),
    [state, store],
  )
}
