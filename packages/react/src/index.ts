/**
 * React bindings for `@oauthkit/browser`: a provider that reads the session and handles the
 * redirect callback exactly once (StrictMode included), hooks that re-render on every login,
 * refresh and logout in any tab, and a component that sends anonymous users to the login.
 *
 * ```tsx
 * import { createBrowserClient } from '@oauthkit/browser'
 * import { AuthProvider, RequireAuth, useAuth } from '@oauthkit/react'
 *
 * const auth = createBrowserClient({
 *   issuer: 'https://as.example.com',
 *   clientId: 'my-spa',
 *   redirectUri: `${location.origin}/callback`,
 *   scope: 'openid profile offline_access',
 * })
 *
 * function Orders() {
 *   const { user, fetch, logout } = useAuth()
 *   // … fetch('/api/orders') sends Authorization: Bearer …
 * }
 *
 * root.render(
 *   <AuthProvider client={auth} onRedirect={({ returnTo }) => navigate(returnTo ?? '/')}>
 *     <RequireAuth fallback={<p>Signing you in…</p>}>
 *       <Orders />
 *     </RequireAuth>
 *   </AuthProvider>,
 * )
 * ```
 *
 * @packageDocumentation
 */

export type { AuthProviderOwnProps, AuthProviderProps } from './auth-provider.js'
export { AuthProvider } from './auth-provider.js'
export type { AuthState } from './auth-state.js'
export type { RequireAuthProps } from './require-auth.js'
export { RequireAuth } from './require-auth.js'
export type { AccessTokenState } from './use-access-token.js'
export { useAccessToken } from './use-access-token.js'
export type { Auth } from './use-auth.js'
export { useAuth } from './use-auth.js'
export { useUser } from './use-user.js'
export { withAuthenticationRequired } from './with-authentication-required.js'
