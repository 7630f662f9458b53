import type { IdTokenClaims } from '@oauthkit/browser'

/**
 * What the provider knows about the session, as React state. Logged out is a state, not an error:
 * `isAuthenticated` is `false` and `error` stays `undefined` until something actually fails.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDToken
 */
export interface AuthState {
  /** `true` until the first read of the session (and the redirect callback, on that page) is done. */
  readonly isLoading: boolean
  /** Whether there is a session: a user with an ID Token, or tokens without one (no `openid` scope). */
  readonly isAuthenticated: boolean
  /** The validated ID Token claims (OIDC Core §2), or `undefined` when logged out or without `openid`. */
  readonly user: IdTokenClaims | undefined
  /**
   * The last failure: a refused or broken callback, a failed login, or a failed refresh of a
   * session (an `OAuthKitError`; branch on its `code`). Cleared by the next login, refresh or logout.
   */
  readonly error: Error | undefined
}

/** The state before the session was read, and during server rendering. */
export const LOADING: AuthState = Object.freeze({
  isLoading: true,
  isAuthenticated: false,
  user: undefined,
  error: undefined,
})
