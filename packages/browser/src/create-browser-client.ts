import {
  type AuthorizationTransaction,
  authorizationCodeGrant,
  buildAuthorizationUrl,
  buildEndSessionUrl,
  type ClientContext,
  createClientContext,
  createSingleFlight,
  discover,
  type IdTokenClaims,
  isExpired,
  isOAuthResponseError,
  OAuthKitError,
  refreshTokenGrant,
  revokeToken,
  type TokenSet,
} from '@oauthkit/core'
import { assertIssuer, invalidArgument } from '@oauthkit/core/internal'
import type {
  BrowserClient,
  BrowserClientOptions,
  SessionEvent,
  SessionListener,
  StoredSession,
} from './browser-client.js'
import { cleanCallbackUrl } from './clean-callback-url.js'
import { createIndexedDbStore } from './create-indexeddb-store.js'
import { withLock } from './with-lock.js'

interface PendingLogin extends AuthorizationTransaction {
  returnTo?: string
}
type PendingLogins = Record<string, PendingLogin>

// A login left unfinished for an hour is abandoned: its callback is refused, its entry dropped.
const PENDING_LOGIN_TTL = 3_600_000
// Revocation is a courtesy at logout; a hanging server must not hold the user on the page.
const REVOCATION_TIMEOUT = 5_000

/**
 * Creates the client of a single-page app (a public client, RFC 6749 §2.1) for one issuer. It has
 * no side effect: nothing touches `window`, IndexedDB or the network until a method needs it, so
 * it can be created during server-side rendering or in a worker.
 *
 * The session lives in the store (IndexedDB by default) under one entry per issuer and client.
 * Refreshes are single-flight within a tab and serialised across tabs by a Web Lock; the tab that
 * gets the lock re-reads the store first, so a refresh token rotated by another tab is never spent
 * twice (RFC 9700 §4.14.2). Tabs tell each other about logins, refreshes and logouts over a
 * `BroadcastChannel`.
 *
 * @throws `TypeError` (`ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE`) for bad options.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1
 * @example
 * ```ts
 * const auth = createBrowserClient({
 *   issuer: 'https://as.example.com',
 *   clientId: 'my-spa',
 *   redirectUri: `${location.origin}/callback`,
 *   scope: 'openid offline_access',
 * })
 * ```
 */
export function createBrowserClient(options: BrowserClientOptions): BrowserClient {
  checkOptions(options)
  const { issuer, clientId, redirectUri, scope, resource, dpop } = options
  const store = options.store ?? createIndexedDbStore()
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const navigate = options.navigate ?? ((url: string) => window.location.assign(url))
  const http = { fetch: fetchImpl, allowInsecureRequests: options.allowInsecureRequests === true }
  const id = `${issuer} ${clientId}`
  const keys = { session: `${id} session`, pending: `${id} pending`, dpop: `${id} dpop` }
  const lockName = `oauthkit ${id}`
  const singleFlight = createSingleFlight<string, TokenSet>()
  const listeners = new Set<SessionListener>()

  // The session as this tab last saw it: undefined = not read yet, null = logged out.
  let session: StoredSession | null | undefined
  // Bumped whenever the cached session may be stale, so an older read cannot overwrite it.
  let generation = 0
  // Bumped by every logout, here or in another tab, so a refresh in flight learns of it.
  let logouts = 0
  let context: Promise<ClientContext> | undefined
  let channel: BroadcastChannel | undefined
  let watching = false

  function getContext(): Promise<ClientContext> {
    if (!context) {
      const created = (async () => {
        const metadata = await discover(issuer, http)
        const handle = dpop && (await dpop.createHandle(store, keys.dpop))
        return createClientContext({ metadata, clientId, http, dpop: handle })
      })()
      // A failed discovery is not remembered: the next call tries again.
      created.catch(() => {
        if (context === created) context = undefined
      })
      context = created
    }
    return context
  }

  async function readSession(): Promise<StoredSession | undefined> {
    const value = (await store.get(keys.session)) as StoredSession | undefined
    return value?.tokenSet ? value : undefined
  }

  async function loadSession(): Promise<StoredSession | undefined> {
    if (session !== undefined) return session ?? undefined
    const seen = generation
    const value = await readSession()
    if (seen === generation) session = value ?? null
    return value
  }

  function remember(value: StoredSession | null | undefined): void {
    generation++
    session = value
  }

  // Writes a new session; the caller holds the session lock.
  async function save(
    tokenSet: TokenSet,
    claims: IdTokenClaims | undefined,
    since = Date.now(),
  ): Promise<void> {
    const next: StoredSession = { tokenSet, receivedAt: Math.floor(Date.now() / 1000), since }
    if (claims) next.claims = claims
    await store.set(keys.session, next)
    remember(next)
  }

  function emit(type: SessionEvent['type'], fromOtherTab = false): void {
    // Stamped, so that a tab that was frozen and hears of a logout late can tell what it covers.
    if (!fromOtherTab) channel?.postMessage([type, Date.now()])
    for (const listener of listeners) {
      try {
        listener({ type, fromOtherTab })
      } catch {
        // A failing listener must not break the session logic or starve the other listeners.
      }
    }
  }

  async function clearLocal(): Promise<void> {
    logouts++
    remember(null)
    await Promise.all([store.delete(keys.session), store.delete(keys.pending)])
  }

  // Another tab logged out at `at`. The message may reach a tab that was frozen long after, when
  // a user has logged in again: a session that began later, and logins started later, stay.
  // A refresh keeps its session's start, so tokens refreshed after the logout still go.
  async function clearBefore(at: number): Promise<boolean> {
    if (((await readSession())?.since ?? 0) > at) {
      remember(undefined)
      return false
    }
    logouts++
    remember(null)
    await store.delete(keys.session)
    await updatePending((pending) => {
      for (const [state, login] of Object.entries(pending)) {
        if (login.createdAt <= at) delete pending[state]
      }
    })
    return true
  }

  // Ends the session in this tab and tells the others.
  async function endSession(): Promise<void> {
    await clearLocal()
    emit('logout')
  }

  // Attaches the tab-level listeners on first use: never at construction (SSR, workers).
  function watch(): void {
    if (watching) return
    watching = true
    if (typeof BroadcastChannel === 'function') {
      channel = new BroadcastChannel(lockName)
      // Server-side (Node has BroadcastChannel too) an open channel must not keep the process alive.
      ;(channel as { unref?: () => void }).unref?.()
      channel.onmessage = ({ data }: MessageEvent) => {
        // [type, time]; a bare type comes from a tab still running an older version.
        const [type, at] = Array.isArray(data) ? data : [data, Date.now()]
        if (type !== 'login' && type !== 'refresh' && type !== 'logout') return
        // Another tab wrote the store; read it again when next needed. A logout also clears this
        // tab's own store, which matters when the store is not shared (memory).
        const logout = type === 'logout'
        remember(logout ? null : undefined)
        // A logout deletes the DPoP key and a login may have made a new one: load it again, or
        // this tab would sign with a key the new tokens are not bound to (RFC 9449 §5).
        if (dpop && type !== 'refresh') context = undefined
        const cleared = logout ? clearBefore(Number(at)) : Promise.resolve(true)
        void cleared.then(
          (changed) => changed && emit(type, true),
          () => emit(type, true),
        )
      }
    }
    if (typeof addEventListener === 'function') {
      addEventListener('visibilitychange', wake)
      addEventListener('online', wake)
    }
  }

  // Refresh on wake-up rather than on timers, which sleeping tabs skip.
  function wake(): void {
    if (globalThis.document?.visibilityState === 'hidden' || !session) return
    getTokenSet().catch(() => {})
  }

  function needsRefresh({ tokenSet, receivedAt }: StoredSession): boolean {
    const { expiresAt } = tokenSet
    // A quarter of the lifetime ahead, at most a minute: short-lived tokens still get used.
    return (
      expiresAt !== undefined &&
      isExpired(tokenSet, { skew: Math.min(60, Math.max(0, expiresAt - receivedAt) / 4) })
    )
  }

  async function getTokenSet(forceRefresh = false): Promise<TokenSet> {
    watch()
    const current = await loadSession()
    if (!current) throw loginRequired('no session')
    if (!forceRefresh && !needsRefresh(current)) return current.tokenSet
    const seen = current.tokenSet.accessToken
    return singleFlight(forceRefresh ? 'force' : 'ahead', () =>
      withLock(lockName, () => refreshHoldingLock(seen, forceRefresh)),
    )
  }

  async function refreshHoldingLock(seen: string, force: boolean): Promise<TokenSet> {
    const logoutsBefore = logouts
    // Another tab may have refreshed (and rotated the refresh token) while we waited.
    const stored = await readSession()
    remember(stored ?? null)
    if (!stored) throw loginRequired('no session')
    const { tokenSet, claims } = stored
    if ((tokenSet.accessToken !== seen || !force) && !needsRefresh(stored)) return tokenSet
    // A refresh ahead of expiry may fail, or be impossible, without the caller noticing: the
    // token still works. Asked again after a failed request, which took time.
    const stillUsable = () => !force && !isExpired(tokenSet)
    const { refreshToken } = tokenSet
    if (!refreshToken) {
      if (stillUsable()) return tokenSet
      await endSession()
      throw loginRequired('no refresh token')
    }
    let result: Awaited<ReturnType<typeof refreshTokenGrant>>
    try {
      // Core retries once when the server demands a DPoP nonce (RFC 9449 §8).
      result = await refreshTokenGrant(await getContext(), refreshToken, {
        expectedSubject: claims?.sub,
        resource,
      })
    } catch (err) {
      if (isOAuthResponseError(err) && err.error === 'invalid_grant') {
        await endSession()
        throw loginRequired('refresh token refused', err)
      }
      // A transient failure (network, 5xx) keeps the session.
      if (stillUsable()) return tokenSet
      throw err
    }
    const next = { ...result.tokenSet }
    // OIDC Core §12.2: a refresh response may omit the ID Token; keep the one we have.
    if (!next.idToken && tokenSet.idToken) next.idToken = tokenSet.idToken
    // A logout (which takes no lock, so that a hanging refresh cannot hold it up) during the
    // request, or during the write, where another tab's clearing may land first: the new tokens
    // must not bring the session back.
    const loggedOut = () => logouts !== logoutsBefore
    // The session keeps its start; one saved before `since` existed counts as begun long ago.
    if (!loggedOut()) await save(next, result.claims ?? claims, stored.since ?? 0)
    if (loggedOut()) {
      await clearLocal()
      throw loginRequired('logged out during refresh')
    }
    emit('refresh')
    return next
  }

  // Read, change and write the pending logins under a lock: two tabs may log in at once, and a
  // callback must be consumed exactly once even if two tabs handle the same URL.
  function updatePending<T>(change: (pending: PendingLogins) => T): Promise<T> {
    return withLock(`${lockName} pending`, async () => {
      const pending = ((await store.get(keys.pending)) ?? {}) as PendingLogins
      // Expired logins go first, so that their callbacks are refused like those never started.
      const now = Date.now()
      for (const [state, login] of Object.entries(pending)) {
        if (now - login.createdAt > PENDING_LOGIN_TTL) delete pending[state]
      }
      const result = change(pending)
      await store.set(keys.pending, pending)
      return result
    })
  }

  return {
    async login(loginOptions = {}) {
      checkLoginOptions(loginOptions)
      const { returnTo } = loginOptions
      const ctx = await getContext()
      const { url, transaction } = await buildAuthorizationUrl(ctx, {
        redirectUri,
        scope: loginOptions.scope ?? scope,
        resource,
        prompt: loginOptions.prompt,
        loginHint: loginOptions.loginHint,
        // RFC 9449 §10: bind the code to the key
        extraParams: ctx.dpop && { dpop_jkt: await ctx.dpop.calculateThumbprint() },
      })
      const pending: PendingLogin = { ...transaction }
      if (returnTo !== undefined) pending.returnTo = returnTo
      await updatePending((all) => {
        all[transaction.state] = pending
      })
      navigate(url.href)
    },

    async handleRedirect(url) {
      const callback = toUrl(url ?? window.location.href, 'url')
      const inAddressBar = typeof location === 'object' && callback.href === location.href
      try {
        watch()
        const state = callback.searchParams.get('state') ?? ''
        // Consumed before the exchange: a replayed callback finds nothing, whatever happens next.
        const [login, others] = await updatePending((all) => {
          const found = all[state]
          delete all[state]
          return [found, Object.keys(all).length] as const
        })
        if (!login) {
          throw new OAuthKitError(
            others > 0
              ? 'callback "state" matches no pending login'
              : 'no login is pending (callback replayed or started elsewhere)',
            { code: others > 0 ? 'ERR_STATE_MISMATCH' : 'ERR_TRANSACTION_MISSING' },
          )
        }
        const { tokenSet, claims } = await authorizationCodeGrant(
          await getContext(),
          callback,
          login,
        )
        await withLock(lockName, () => save(tokenSet, claims))
        emit('login')
        return login.returnTo === undefined ? {} : { returnTo: login.returnTo }
      } finally {
        // Codes and states do not belong in the address bar or the history, even when refused.
        if (inAddressBar) history.replaceState(history.state, '', cleanCallbackUrl(callback))
      }
    },

    async getAccessToken(tokenOptions) {
      return (await getTokenSet(tokenOptions?.forceRefresh === true)).accessToken
    },

    async getUser(): Promise<IdTokenClaims | undefined> {
      watch()
      return (await loadSession())?.claims
    },

    async logout(logoutOptions = {}) {
      const { postLogoutRedirectUri } = logoutOptions
      if (postLogoutRedirectUri !== undefined) toUrl(postLogoutRedirectUri, 'postLogoutRedirectUri')
      watch()
      const stored = (await readSession().catch(() => undefined))?.tokenSet
      // Local state goes first, so that nothing the server does can leave a session behind.
      await endSession()
      let ctx: ClientContext | undefined
      try {
        ctx = await getContext()
        const refreshToken = stored?.refreshToken
        if (refreshToken && ctx.metadata.revocation_endpoint) {
          await revokeToken(ctx, refreshToken, {
            tokenTypeHint: 'refresh_token',
            signal: AbortSignal.timeout(REVOCATION_TIMEOUT),
          })
        }
      } catch {
        // The server is unreachable or refused: the local session is gone all the same.
      } finally {
        if (dpop) {
          context = undefined
          await store.delete(keys.dpop)
        }
      }
      if (ctx?.metadata.end_session_endpoint) {
        navigate(
          buildEndSessionUrl(ctx, { idTokenHint: stored?.idToken, postLogoutRedirectUri }).href,
        )
      } else if (postLogoutRedirectUri) {
        navigate(postLogoutRedirectUri)
      }
    },

    async fetch(input, init) {
      const request = new Request(input, init)
      if (!allowedOrigins(options).includes(new URL(request.url).origin)) {
        throw invalidArgument(
          'input',
          "a URL on an origin of options.allowedOrigins (default: the page's origin and the origins of options.resource)",
          'ERR_INVALID_ARG_VALUE',
        )
      }
      const tokenSet = await getTokenSet()
      if (tokenSet.tokenType === 'DPoP' && dpop) {
        const handle = (await getContext()).dpop
        if (handle) return dpop.fetch(handle, request, tokenSet.accessToken, fetchImpl)
      }
      request.headers.set('authorization', `Bearer ${tokenSet.accessToken}`)
      return fetchImpl(request)
    },

    subscribe(listener) {
      if (typeof listener !== 'function') throw invalidArgument('listener', 'a function')
      watch()
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },

    close() {
      channel?.close()
      channel = undefined
      if (watching && typeof removeEventListener === 'function') {
        removeEventListener('visibilitychange', wake)
        removeEventListener('online', wake)
      }
      watching = false
    },
  }
}

function loginRequired(reason: string, cause?: unknown): OAuthKitError {
  return new OAuthKitError(`login required: ${reason}`, { code: 'ERR_LOGIN_REQUIRED', cause })
}

function toUrl(value: unknown, name: string): URL {
  if (value instanceof URL) return value
  if (typeof value !== 'string') throw invalidArgument(name, 'a URL')
  try {
    return new URL(value)
  } catch {
    throw invalidArgument(name, 'an absolute URL', 'ERR_INVALID_ARG_VALUE')
  }
}

function allowedOrigins(options: BrowserClientOptions): string[] {
  if (options.allowedOrigins) return options.allowedOrigins.map((origin) => new URL(origin).origin)
  const resources = [options.resource ?? []].flat().map((uri) => new URL(uri).origin)
  return typeof location === 'object' ? [location.origin, ...resources] : resources
}

function checkObject(value: unknown): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw invalidArgument('options', 'an object')
}

function checkString(value: unknown, name: string, optional = false): void {
  if (optional && value === undefined) return
  if (typeof value !== 'string' || value === '') throw invalidArgument(name, 'a non-empty string')
}

function checkOptions(options: BrowserClientOptions): void {
  checkObject(options)
  // As the README promises and node does: an http: issuer is refused here, before any I/O,
  // not by the first login's discovery.
  assertIssuer(options.issuer, {
    allowInsecureRequests: options.allowInsecureRequests === true,
    name: 'options.issuer',
  })
  checkString(options.clientId, 'options.clientId')
  toUrl(options.redirectUri, 'options.redirectUri')
  checkString(options.scope, 'options.scope')
  for (const uri of [options.resource ?? []].flat()) toUrl(uri, 'options.resource')
  for (const origin of options.allowedOrigins ?? []) toUrl(origin, 'options.allowedOrigins')
  const { store, fetch: fetchImpl, navigate, dpop } = options
  if (store !== undefined && typeof store?.get !== 'function') {
    throw invalidArgument('options.store', 'a KeyValueStore')
  }
  if (fetchImpl !== undefined && typeof fetchImpl !== 'function') {
    throw invalidArgument('options.fetch', 'a function')
  }
  if (navigate !== undefined && typeof navigate !== 'function') {
    throw invalidArgument('options.navigate', 'a function')
  }
  if (dpop !== undefined && typeof dpop?.createHandle !== 'function') {
    throw invalidArgument('options.dpop', 'the result of dpop() from @oauthkit/browser/dpop')
  }
}

function checkLoginOptions(options: unknown): void {
  checkObject(options)
  for (const name of ['scope', 'prompt', 'loginHint', 'returnTo']) {
    checkString(options[name], `options.${name}`, true)
  }
}
