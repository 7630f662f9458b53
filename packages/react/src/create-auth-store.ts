import {
  type BrowserClient,
  type GetAccessTokenOptions,
  isOAuthKitError,
  type LoginOptions,
  type RedirectResult,
  type SessionEvent,
} from '@oauthkit/browser'
import { type AuthState, LOADING } from './auth-state.js'

/** How the provider starts the store: once per client, whatever React does with effects. */
export interface StartOptions {
  /** The page's URL. */
  url: URL
  /** Whether `url` is the redirect callback to hand to `handleRedirect()`. */
  isRedirectCallback: (url: URL) => boolean
  /** Called once after a successful callback, with what `login()` was given as `returnTo`. */
  onRedirect: (result: RedirectResult) => void
}

/**
 * The session of one {@link BrowserClient} as an external store for `useSyncExternalStore`, plus
 * the client's methods wrapped so that their failures reach the state.
 *
 * @internal
 */
export interface AuthStore {
  readonly client: BrowserClient
  getSnapshot(): AuthState
  getServerSnapshot(): AuthState
  subscribe(onChange: () => void): () => void
  /** Reads the session, handling the redirect callback first when `url` is one. Idempotent. */
  start(options: StartOptions): void
  login(options?: LoginOptions): Promise<void>
  /** `login()`, unless one started by this method is under way or has sent the user off. */
  loginOnce(options?: LoginOptions): Promise<void>
  getAccessToken(options?: GetAccessTokenOptions): Promise<string>
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>
}

const stores = new WeakMap<BrowserClient, AuthStore>()

/**
 * The store of `client`, one per client: StrictMode's second render and effect, a render that
 * concurrent React throws away, and a second provider for the same client all find the same store,
 * so the callback's code is exchanged once (a code used twice is a replay, RFC 6749 §4.1.2).
 *
 * @internal
 */
export function authStoreFor(client: BrowserClient): AuthStore {
  let store = stores.get(client)
  if (!store) {
    store = createAuthStore(client)
    stores.set(client, store)
  }
  return store
}

function createAuthStore(client: BrowserClient): AuthStore {
  let state = LOADING
  const listeners = new Set<() => void>()
  let started = false
  // Until the first read (after the callback) is done, that read has the last word: an event or a
  // new subscriber that read the store meanwhile would see the session before the code exchange
  // saved it, and a RequireAuth would start a second login.
  let loaded = false
  let stopEvents: (() => void) | undefined
  // Bumped by every read and every logout, so that a slow read cannot overwrite newer news.
  let generation = 0
  let loggingIn: Promise<void> | undefined

  function update(next: Partial<AuthState>): void {
    const merged = { ...state, ...next }
    const keys = Object.keys(merged) as (keyof AuthState)[]
    if (keys.every((key) => merged[key] === state[key])) return
    state = Object.freeze(merged)
    for (const listener of listeners) listener()
  }

  // The session as it is now. A session without an ID Token (no `openid` scope) has no claims to
  // show, so the token decides; for a logged-out user that answers at once, with no request.
  async function readSession(): Promise<Pick<AuthState, 'user' | 'isAuthenticated'>> {
    const user = await client.getUser()
    if (user) return { user, isAuthenticated: true }
    try {
      await client.getAccessToken()
      return { user, isAuthenticated: true }
    } catch (err) {
      if (isOAuthKitError(err) && err.code === 'ERR_LOGIN_REQUIRED') {
        return { user, isAuthenticated: false }
      }
      throw err
    }
  }

  async function refresh(error?: Error): Promise<void> {
    const seen = ++generation
    try {
      const session = await readSession()
      if (seen === generation) update({ ...session, isLoading: false, error })
    } catch (err) {
      if (seen === generation) update({ isLoading: false, error: error ?? toError(err) })
    }
  }

  function onSessionEvent({ type }: SessionEvent): void {
    loggingIn = undefined
    if (!loaded) return
    if (type === 'logout') {
      generation++
      update({ isLoading: false, isAuthenticated: false, user: undefined, error: undefined })
    } else {
      // A login or refresh, here or in another tab: the session works again.
      void refresh()
    }
  }

  // A failure of a session that existed is news for the whole app (react-oidc-context shows
  // failed silent renewals the same way); an anonymous caller's ERR_LOGIN_REQUIRED is not.
  async function reporting<T>(call: () => Promise<T>): Promise<T> {
    const wasAuthenticated = state.isAuthenticated
    try {
      const result = await call()
      if (state.error && state.isAuthenticated) update({ error: undefined })
      return result
    } catch (err) {
      if (isOAuthKitError(err) && wasAuthenticated) update({ error: err })
      throw err
    }
  }

  async function load({ url, isRedirectCallback, onRedirect }: StartOptions): Promise<void> {
    let error: Error | undefined
    if (isRedirectCallback(url)) {
      try {
        onRedirect(await client.handleRedirect(url))
      } catch (err) {
        error = toError(err)
      }
    }
    // After a refused callback a session from before may still be there.
    await refresh(error)
    loaded = true
  }

  return {
    client,
    getSnapshot: () => state,
    getServerSnapshot: () => LOADING,
    subscribe(onChange) {
      listeners.add(onChange)
      // Events while nobody listened are lost: read again when someone listens anew.
      if (!stopEvents) {
        stopEvents = client.subscribe(onSessionEvent)
        if (loaded) void refresh()
      }
      return () => {
        listeners.delete(onChange)
        if (listeners.size === 0) {
          stopEvents?.()
          stopEvents = undefined
        }
      }
    },
    start(options) {
      if (started) return
      started = true
      void load(options)
    },
    async login(options) {
      try {
        await client.login(options)
      } catch (err) {
        update({ error: toError(err) })
        throw err
      }
    },
    loginOnce(options) {
      // Kept after success: the page is leaving, and a second RequireAuth whose effect runs a
      // moment later must not start another login. A failure, or news of the session, frees it.
      loggingIn ??= this.login(options).catch((err: unknown) => {
        loggingIn = undefined
        throw err
      })
      return loggingIn
    },
    getAccessToken: (options) => reporting(() => client.getAccessToken(options)),
    fetch: (input, init) => reporting(() => client.fetch(input, init)),
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}
