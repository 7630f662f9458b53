import type { LoginOptions } from '@oauthkit/browser'
import { type ReactNode, useEffect, useSyncExternalStore } from 'react'
import { useAuthStore } from './auth-context.js'

/**
 * Props of {@link RequireAuth}.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 */
export interface RequireAuthProps {
  /** Rendered only for a signed-in user. */
  children?: ReactNode
  /**
   * Rendered instead while loading, while the login starts, and when {@link AuthState.error} is
   * set (read it with `useAuth()` to show it). Default: nothing.
   */
  fallback?: ReactNode
  /** Where to come back after the login. Default: the current path, query and fragment. */
  returnTo?: string
  /** Other options of `login()` (`scope`, `prompt`, `loginHint`). */
  loginOptions?: Omit<LoginOptions, 'returnTo'>
}

/**
 * Renders `children` for a signed-in user; for an anonymous one it starts `login()` with
 * `returnTo`, once however often React runs the effect. While an error is set it does not start a
 * login: a refused login (the user pressed Cancel, RFC 6749 §4.1.2.1) would otherwise loop, and a
 * session that a failed refresh ended shows its error; the fallback can offer the login.
 *
 * @throws {@link OAuthKitError} (`ERR_NO_AUTH_PROVIDER`) outside an `AuthProvider`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @example
 * ```tsx
 * <RequireAuth fallback={<p>Signing you in…</p>}>
 *   <Orders />
 * </RequireAuth>
 * ```
 */
export function RequireAuth(props: RequireAuthProps): ReactNode {
  const store = useAuthStore('<RequireAuth>')
  const { isLoading, isAuthenticated, error } = useSyncExternalStore(
    store.subscribe,
    store.getSnapshot,
    store.getServerSnapshot,
  )
  const anonymous = !isLoading && !isAuthenticated && error === undefined
  const { returnTo, loginOptions } = props
  // Options are read when the login starts: new objects on each render must not start another.
  // biome-ignore lint/correctness/useExhaustiveDependencies: see above
  useEffect(() => {
    if (!anonymous) return
    // A session that ends in a failure (a refused refresh) is heard as a logout a few microtasks
    // before the failure reaches the state: look again after them, so that the error is shown
    // rather than replaced by a trip to the login page.
    const timer = setTimeout(() => {
      const now = store.getSnapshot()
      if (now.isLoading || now.isAuthenticated || now.error !== undefined) return
      const { pathname, search, hash } = window.location
      // A failure lands in the state (`error`), which renders the fallback.
      store
        .loginOnce({ ...loginOptions, returnTo: returnTo ?? pathname + search + hash })
        .catch(() => {})
    })
    return () => clearTimeout(timer)
  }, [store, anonymous])
  return isAuthenticated ? props.children : (props.fallback ?? null)
}
