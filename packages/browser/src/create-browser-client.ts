import {
  authorizationCodeGrant,
  buildAuthorizationUrl,
  buildEndSessionUrl,
  type ClientContext,
  createClientContext,
  createSessionEngine,
  discover,
  type HeldLock,
  type IdTokenClaims,
  OAuthKitError,
  refreshTokenGrant,
  revokeToken,
  verifyIdToken,
} from '@oauthkit/core'
import { invalidArgument, toUrl } from '@oauthkit/core/internal'
import type {
  BrowserClient,
  BrowserClientOptions,
  SessionEvent,
  SessionListener,
} from './browser-client.js'
import { allowedOrigins, checkLoginOptions, checkOptions } from './check-options.js'
import { cleanCallbackUrl } from './clean-callback-url.js'
import { createIndexedDbStore } from './create-indexeddb-store.js'
import { createPendingLogins, type PendingLogin } from './create-pending-logins.js'
import { createTabSync, type TabSync } from './create-tab-sync.js'
import { createWebLock } from './create-web-lock.js'
import { toSessionStore } from './to-session-store.js'

// How long logout waits, at most, for a refresh in flight and for each revocation: revocation is
// a courtesy, and a hanging server must not hold the user on the page.
const LOGOUT_WAIT = 5_000

/**
 * Creates the client of a single-page app (a public client, RFC 6749 §2.1) for one issuer. It has
 * no side effect: nothing touches `window`, IndexedDB or the network until a method needs it, so
 * it can be created during server-side rendering or in a worker.
 *
 * The session lives in the store (IndexedDB by default) under one entry per issuer and client,
 * kept by core's session engine: refreshes are single-flight within a tab and serialised across
 * tabs by a Web Lock; the tab that gets the lock re-reads the store first, so a refresh token
 * rotated by another tab is never spent twice (RFC 9700 §4.14.2). Tabs tell each other about
 * logins, refreshes and logouts over a `BroadcastChannel`.
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
  const { issuer, clientId, redirectUri, scope, resource } = options
  const store = options.store ?? createIndexedDbStore()
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const navigate = options.navigate ?? ((url: string) => window.location.assign(url))
  const http = { fetch: fetchImpl, allowInsecureRequests: options.allowInsecureRequests === true }
  const id = `${issuer} ${clientId}`
  const key = `${id} session`
  const pendingKey = `${id} pending`
  const lock = createWebLock()
  const sessions = toSessionStore(store)
  // Only with DPoP: an app without it carries none of the key handling.
  const dpopKeys = options.dpop?.keys(store, `${id} dpop`, lock, key)
  const pending = createPendingLogins(store, pendingKey, lock)
  const listeners = new Set<SessionListener>()
  // Revocations in flight, so that logout can let them finish before it leaves the page.
  const revocations = new Set<Promise<void>>()
  let discovered: Promise<ClientContext> | undefined
  let sync: TabSync | undefined

  function baseContext(): Promise<ClientContext> {
    if (!discovered) {
      const created = discover(issuer, http).then((metadata) =>
        createClientContext({ metadata, clientId, http }),
      )
      // A failed discovery is not remembered: the next call tries again.
      created.catch(() => {
        if (discovered === created) discovered = undefined
      })
      discovered = created
    }
    return discovered
  }

  // The context with the DPoP key; `held` when the caller holds the session lock already.
  async function contextFor(held?: HeldLock): Promise<ClientContext> {
    const [context, handle] = await Promise.all([baseContext(), dpopKeys?.handle(held)])
    return handle ? { ...context, dpop: handle } : context
  }

  const engine = createSessionEngine({
    store: sessions,
    lock,
    // One tab's memory, told by the channel when another tab changes the store.
    memoryFirst: true,
    // Called holding the session lock: the DPoP key is loaded without taking it again.
    async request(current) {
      const refreshToken = current?.tokenSet.refreshToken
      if (!refreshToken) throw new OAuthKitError('login required', { code: 'ERR_LOGIN_REQUIRED' })
      // Core retries once when the server demands a DPoP nonce (RFC 9449 §8).
      return refreshTokenGrant(await contextFor({ name: key }), refreshToken, {
        expectedSubject: current.claims?.sub,
        resource,
      })
    },
    async verifyIdToken(idToken, session) {
      return verifyIdToken(await contextFor({ name: key }), idToken, {
        expectedSubject: session.claims?.sub,
      })
    },
    // RFC 7009 revocation carries no DPoP proof: a public client names itself with client_id.
    revoke(refreshToken) {
      const revocation = (async () => {
        const context = await baseContext()
        if (!context.metadata.revocation_endpoint) return
        await revokeToken(context, refreshToken, {
          tokenTypeHint: 'refresh_token',
          signal: AbortSignal.timeout(LOGOUT_WAIT),
        })
      })()
      revocations.add(revocation)
      return revocation.finally(() => revocations.delete(revocation))
    },
    onChange: (_, change) => emit(change === 'end' ? 'logout' : 'refresh'),
  })

  function emit(type: SessionEvent['type'], fromOtherTab = false): void {
    if (!fromOtherTab) sync?.post(type)
    for (const listener of listeners) {
      try {
        listener({ type, fromOtherTab })
      } catch {
        // A failing listener must not break the session logic or starve the other listeners.
      }
    }
  }

  // Another tab changed the session. This tab forgets its copy and reads the store when next
  // asked, which already holds the answer: nothing is decided here that a read could get wrong.
  function receive(type: SessionEvent['type'], at: number): void {
    engine.forget(key)
    // A logout deletes the DPoP key and a login may have made a new one: load it again, or this
    // tab would sign with a key the new tokens are not bound to (RFC 9449 §5).
    if (type !== 'refresh') dpopKeys?.forget()
    if (type !== 'logout') emit(type, true)
    else {
      void clearBefore(at).then(
        (cleared) => cleared && emit(type, true),
        () => emit(type, true),
      )
    }
  }

  // Another tab logged out at `at`. The message may reach a tab that was frozen long after, when
  // a user has logged in again: a session that began later, and logins started later, stay. A
  // refresh keeps its session's start, so tokens refreshed after the logout still go. The store
  // is cleared here too, which matters when it is not shared (memory).
  function clearBefore(at: number): Promise<boolean> {
    return lock.run(key, async () => {
      if (((await sessions.get(key))?.since ?? 0) > at) return false
      await sessions.delete(key)
      engine.forget(key)
      await pending.update((all) => {
        for (const [state, login] of Object.entries(all)) {
          if (login.createdAt <= at) delete all[state]
        }
      })
      return true
    })
  }

  // Attaches the tab-level listeners on first use: never at construction (SSR, workers).
  function watch(): void {
    if (sync) return
    sync = createTabSync(`oauthkit ${id}`, receive)
    if (typeof addEventListener === 'function') {
      addEventListener('visibilitychange', wake)
      addEventListener('online', wake)
    }
  }

  // Refresh on wake-up rather than on timers, which sleeping tabs skip.
  function wake(): void {
    if (globalThis.document?.visibilityState === 'hidden') return
    engine.get(key).catch(() => {})
  }

  async function getSession(forceRefresh = false) {
    watch()
    return engine.get(key, { forceRefresh })
  }

  return {
    async login(loginOptions = {}) {
      checkLoginOptions(loginOptions)
      const { returnTo } = loginOptions
      const context = await contextFor()
      const { url, transaction } = await buildAuthorizationUrl(context, {
        redirectUri,
        scope: loginOptions.scope ?? scope,
        resource,
        prompt: loginOptions.prompt,
        loginHint: loginOptions.loginHint,
        // RFC 9449 §10: bind the code to the key
        extraParams: context.dpop && { dpop_jkt: await context.dpop.calculateThumbprint() },
      })
      const login: PendingLogin = { ...transaction }
      if (returnTo !== undefined) login.returnTo = returnTo
      await pending.update((all) => {
        all[transaction.state] = login
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
        const [login, others] = await pending.update((all) => {
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
          await contextFor(),
          callback,
          login,
        )
        await engine.save(key, { tokenSet, ...(claims && { claims }), since: Date.now() })
        emit('login')
        return login.returnTo === undefined ? {} : { returnTo: login.returnTo }
      } finally {
        // Codes and states do not belong in the address bar or the history, even when refused.
        if (inAddressBar) history.replaceState(history.state, '', cleanCallbackUrl(callback))
      }
    },

    async getAccessToken(tokenOptions) {
      return (await getSession(tokenOptions?.forceRefresh === true)).tokenSet.accessToken
    },

    async getUser(): Promise<IdTokenClaims | undefined> {
      watch()
      return (await sessions.get(key))?.claims
    },

    async logout(logoutOptions = {}) {
      const { postLogoutRedirectUri } = logoutOptions
      if (postLogoutRedirectUri !== undefined) toUrl(postLogoutRedirectUri, 'postLogoutRedirectUri')
      watch()
      // The session goes at once; then, holding the lock, whatever a refresh in another tab
      // wrote, and the DPoP key: only then are the other tabs told (through the engine's change).
      // Every refresh token removed is revoked.
      let retiring: Promise<void> | undefined
      const retire = () => {
        retiring ??= Promise.all([dpopKeys?.retire(), store.delete(pendingKey)]).then(() => {})
        return retiring
      }
      const ended = await engine.end(key, {
        signal: AbortSignal.timeout(LOGOUT_WAIT),
        whileLocked: retire,
      })
      // Done already, unless the wait for a hanging refresh was given up.
      await retire()
      await Promise.allSettled(revocations)
      const context = await baseContext().catch(() => undefined)
      if (context?.metadata.end_session_endpoint) {
        const idTokenHint = ended?.tokenSet.idToken
        navigate(buildEndSessionUrl(context, { idTokenHint, postLogoutRedirectUri }).href)
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
      const { tokenSet } = await getSession()
      if (tokenSet.tokenType === 'DPoP' && dpopKeys) {
        return dpopKeys.fetch(request, tokenSet.accessToken, fetchImpl)
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
      sync?.close()
      if (sync && typeof removeEventListener === 'function') {
        removeEventListener('visibilitychange', wake)
        removeEventListener('online', wake)
      }
      sync = undefined
    },
  }
}
