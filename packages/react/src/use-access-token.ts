import type { SessionEvent } from '@oauthkit/browser'
import { useEffect, useReducer, useState, useSyncExternalStore } from 'react'
import { useAuthStore } from './auth-context.js'

/**
 * What {@link useAccessToken} returns.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export interface AccessTokenState {
  /** The access token, or `undefined` while loading, when logged out, or after a failure. */
  readonly accessToken: string | undefined
  /** `true` until the first answer. */
  readonly isLoading: boolean
  /** Why there is no token although there is a session (a failed refresh): an `OAuthKitError`. */
  readonly error: Error | undefined
}

const LOADING: AccessTokenState = { accessToken: undefined, isLoading: true, error: undefined }
const ANONYMOUS: AccessTokenState = { accessToken: undefined, isLoading: false, error: undefined }

/**
 * The access token as state, for components that render with it (a WebSocket URL, an `<img>` of
 * a protected API). Updated after every login and refresh in any tab and cleared by a logout; the
 * token is fetched (and refreshed) only when one of those happens, never on a timer. To call an
 * API, prefer `useAuth().fetch` or `getAccessToken()` at the moment of the call: they refresh a
 * token that is about to expire.
 *
 * @throws {@link OAuthKitError} (`ERR_NO_AUTH_PROVIDER`) outside an `AuthProvider`.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export function useAccessToken(): AccessTokenState {
  const store = useAuthStore('useAccessToken()')
  const { isLoading, isAuthenticated } = useSyncExternalStore(
    store.subscribe,
    store.getSnapshot,
    store.getServerSnapshot,
  )
  const [state, setState] = useState(LOADING)
  // Counts the logins and refreshes heard: a new token to read.
  const [changes, changed] = useReducer((count: number) => count + 1, 0)
  useEffect(
    () => store.client.subscribe(({ type }: SessionEvent) => type !== 'logout' && changed()),
    [store],
  )
  // biome-ignore lint/correctness/useExhaustiveDependencies: `changes` is the trigger to read again
  useEffect(() => {
    if (isLoading) return
    if (!isAuthenticated) return setState(ANONYMOUS)
    let current = true
    store.getAccessToken().then(
      (accessToken) => current && setState({ accessToken, isLoading: false, error: undefined }),
      (err: Error) => current && setState({ accessToken: undefined, isLoading: false, error: err }),
    )
    return () => {
      current = false
    }
  }, [store, isLoading, isAuthenticated, changes])
  return state
}
