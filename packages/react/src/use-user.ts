import type { IdTokenClaims } from '@oauthkit/browser'
import { useSyncExternalStore } from 'react'
import { useAuthStore } from './auth-context.js'

/**
 * The signed-in user's validated ID Token claims, or `undefined` while loading and when logged
 * out. Re-renders only when the user changes.
 *
 * @throws {@link OAuthKitError} (`ERR_NO_AUTH_PROVIDER`) outside an `AuthProvider`.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDToken
 */
export function useUser(): IdTokenClaims | undefined {
  const store = useAuthStore('useUser()')
  return useSyncExternalStore(
    store.subscribe,
    () => store.getSnapshot().user,
    () => undefined,
  )
}
