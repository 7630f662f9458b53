import type { TokenSet } from './token-set.js'

/**
 * How far ahead of expiry, at most, a token is renewed by default: 60 seconds. Every oauthkit
 * session (browser, CLI, server-side sessions and the client-credentials cache) uses this one
 * policy, through {@link refreshAt}.
 */
export const DEFAULT_REFRESH_AHEAD = 60

/**
 * When (epoch seconds) the access token of `tokenSet` should be renewed: `refreshAhead` seconds before
 * `expiresAt`, but never before half its lifetime (`expiresAt - receivedAt`) has passed. Without
 * that bound a token issued for `refreshAhead` seconds or less would be due the moment it arrives,
 * and every read would renew it. `undefined` when the token's expiry is unknown (it is then used
 * until the resource server refuses it); `expiresAt` itself when its receipt time is unknown.
 *
 * @param refreshAhead - Seconds, at least 0. Default {@link DEFAULT_REFRESH_AHEAD}.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
export function refreshAt(
  tokenSet: Pick<TokenSet, 'expiresAt' | 'receivedAt'>,
  refreshAhead: number = DEFAULT_REFRESH_AHEAD,
): number | undefined {
  const { expiresAt, receivedAt } = tokenSet
  if (expiresAt === undefined) return undefined
  // Not a finite number (absent, or a store's garbage): counted from expiry alone.
  if (typeof receivedAt !== 'number' || !Number.isFinite(receivedAt)) return expiresAt
  return expiresAt - Math.max(0, Math.min(refreshAhead, (expiresAt - receivedAt) / 2))
}

/** Options of {@link needsRefresh}. */
export interface NeedsRefreshOptions {
  /** The current time in milliseconds; defaults to `Date.now()`. */
  now?: number
  /** Seconds ahead of expiry, at most. Default {@link DEFAULT_REFRESH_AHEAD}. */
  refreshAhead?: number
}

/** Whether `tokenSet` has reached its {@link refreshAt} point. */
export function needsRefresh(
  tokenSet: Pick<TokenSet, 'expiresAt' | 'receivedAt'>,
  options?: NeedsRefreshOptions,
): boolean {
  const at = refreshAt(tokenSet, options?.refreshAhead)
  return at !== undefined && (options?.now ?? Date.now()) / 1000 >= at
}
