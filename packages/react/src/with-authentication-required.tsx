import type { ComponentType, ReactNode } from 'react'
import { RequireAuth, type RequireAuthProps } from './require-auth.js'

/**
 * `Component` wrapped in {@link RequireAuth}, for route tables that take components
 * (`@auth0/auth0-react` has the same helper).
 *
 * @param options - {@link RequireAuth}'s props other than `children`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @example
 * ```tsx
 * const ProtectedOrders = withAuthenticationRequired(Orders, { fallback: <Spinner /> })
 * ```
 */
export function withAuthenticationRequired<P extends object>(
  Component: ComponentType<P>,
  options: Omit<RequireAuthProps, 'children'> = {},
): ComponentType<P> {
  function WithAuthenticationRequired(props: P): ReactNode {
    return (
      <RequireAuth {...options}>
        <Component {...props} />
      </RequireAuth>
    )
  }
  WithAuthenticationRequired.displayName = `withAuthenticationRequired(${
    Component.displayName ?? Component.name ?? 'Component'
  })`
  return WithAuthenticationRequired
}
