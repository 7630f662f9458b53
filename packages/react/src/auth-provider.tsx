import {
  type BrowserClient,
  type BrowserClientOptions,
  createBrowserClient,
  type RedirectResult,
} from '@oauthkit/browser'
import { invalidArgument } from '@oauthkit/core/internal'
import { type ReactNode, useEffect, useState } from 'react'
import { AuthContext } from './auth-context.js'
import { authStoreFor } from './create-auth-store.js'

/**
 * Props of {@link AuthProvider}: a client, or the options to create one.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 */
export type AuthProviderProps = AuthProviderOwnProps &
  (
    | {
        /** The app's client from `createBrowserClient()`; the app keeps it and closes it. */
        client: BrowserClient
        options?: undefined
      }
    | {
        client?: undefined
        /**
         * Options for `createBrowserClient()`, read on the first render only. The provider owns
         * that client and closes it when it unmounts.
         */
        options: BrowserClientOptions
      }
  )

/**
 * The props of {@link AuthProvider} other than the client.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
export interface AuthProviderOwnProps {
  children?: ReactNode
  /**
   * Called once after the redirect callback was handled, with the `returnTo` given to `login()`.
   * Hand it to your router (`navigate(returnTo ?? '/', { replace: true })`). Default: replace the
   * address bar's URL with `returnTo`, when there is one, through `history.replaceState`.
   */
  onRedirect?: (result: RedirectResult) => void
  /**
   * Whether the page's URL is the redirect callback. Default: the query has `state` and either
   * `code` or `error` (RFC 6749 §4.1.2). Answer `false` for pages where another library receives
   * such parameters.
   */
  isRedirectCallback?: (url: URL) => boolean
}

/**
 * Provides the session of a `@oauthkit/browser` client to the hooks below it. On the client, after
 * the first render, it reads the session and, when the page is the redirect callback, hands the URL
 * to `handleRedirect()` exactly once: under StrictMode's double effects, concurrent rendering and
 * several providers for the same client, a code is never exchanged twice (RFC 6749 §10.5).
 *
 * Server rendering renders the loading state and touches no `window`, IndexedDB or network; the
 * first client render matches it, so hydration is clean.
 *
 * @throws `TypeError` (`ERR_INVALID_ARG_TYPE`) without `client` or `options`.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.5
 * @example
 * ```tsx
 * const auth = createBrowserClient({ issuer, clientId, redirectUri, scope: 'openid profile' })
 * root.render(
 *   <AuthProvider client={auth} onRedirect={({ returnTo }) => navigate(returnTo ?? '/')}>
 *     <App />
 *   </AuthProvider>,
 * )
 * ```
 */
export function AuthProvider(props: AuthProviderProps): ReactNode {
  const { client: given, options } = props
  if (given === undefined && (typeof options !== 'object' || options === null)) {
    throw invalidArgument('props.client', 'a BrowserClient, or props.options')
  }
  if (given !== undefined && typeof given?.subscribe !== 'function') {
    throw invalidArgument('props.client', 'a BrowserClient')
  }
  // Created on the first render (no side effect: nothing is read or sent until a method is called).
  const [client] = useState(() => given ?? createBrowserClient(options as BrowserClientOptions))
  const store = authStoreFor(given ?? client)
  const { onRedirect = replaceUrl, isRedirectCallback = hasCallbackParams } = props

  useEffect(() => {
    store.start({ url: new URL(window.location.href), isRedirectCallback, onRedirect })
  }, [store, isRedirectCallback, onRedirect])

  // The provider's own client goes with it. StrictMode's simulated unmount closes it too; the
  // next use opens its channel again.
  useEffect(() => (given ? undefined : () => client.close()), [given, client])

  return <AuthContext.Provider value={store}>{props.children}</AuthContext.Provider>
}

function hasCallbackParams({ searchParams }: URL): boolean {
  return searchParams.has('state') && (searchParams.has('code') || searchParams.has('error'))
}

function replaceUrl({ returnTo }: RedirectResult): void {
  if (returnTo !== undefined) history.replaceState(history.state, '', returnTo)
}
