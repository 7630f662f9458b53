import { OAuthKitError } from '@oauthkit/core'
import { type Context, createContext, useContext } from 'react'
import type { AuthStore } from './create-auth-store.js'

/** @internal */
export const AuthContext: Context<AuthStore | undefined> = createContext<AuthStore | undefined>(
  undefined,
)

/**
 * The store of the nearest {@link AuthProvider}.
 *
 * @throws {@link OAuthKitError} (`ERR_NO_AUTH_PROVIDER`) outside an `AuthProvider`.
 * @internal
 */
export function useAuthStore(hook: string): AuthStore {
  const store = useContext(AuthContext)
  if (!store) {
    throw new OAuthKitError(`${hook} is used outside <AuthProvider>`, {
      code: 'ERR_NO_AUTH_PROVIDER',
    })
  }
  return store
}
