import type { IdTokenClaims } from './authorization-code.js'
import { isOAuthResponseError, OAuthKitError } from './errors.js'
import { abortError } from './race-signal.js'
import { DEFAULT_REFRESH_AHEAD, needsRefresh } from './refresh-policy.js'
import { createSingleFlight } from './single-flight.js'
import { asOAuthKitError } from './to-oauthkit-error.js'
import { isExpired, type TokenSet } from './token-set.js'
import { isKeysUnavailable } from './verify-id-token.js'

/**
 * What the session engine keeps for one key: the tokens and what was learnt with them. A plain,
 * JSON-serialisable value, so that any store (IndexedDB, a file, Redis, a cookie store) can hold
 * it without losing anything.
 */
export interface Session {
  /** The tokens, with their receipt time. */
  tokenSet: TokenSet
  /** The claims of the last ID Token validated in full, signature included (OIDC Core §3.1.3.7). */
  claims?: IdTokenClaims
  /** When the session began (the login), epoch milliseconds; kept across refreshes. */
  since?: number
  /**
   * An ID Token from a refresh whose signature could not be checked yet because the issuer's
   * keys were out of reach. `tokenSet.idToken` and `claims` stay those of the last validated one
   * until it is checked.
   */
  pendingIdToken?: string
}

/** Options of a {@link SessionStore} write. */
export interface SessionWriteOptions {
  /**
   * Seconds after which the store may forget the value; absent: kept until deleted. The engine
   * sets none itself: a store wrapped in {@link withSessionTtl} gets one on every write.
   */
  ttl?: number
  /**
   * The lock the writer holds. A store shared between processes writes only while `lock.token`
   * still owns the lock (checked atomically), so a holder that stalled past its lock's expiry
   * cannot overwrite what its successor saved.
   */
  lock?: HeldLock
}

/**
 * Where sessions live: the engine's store seam. Values are bearer credentials: keep them secret.
 * `V` is the value kept: a {@link Session} for the engine; other JSON values for companions that
 * share the store (the BFF's session index).
 */
export interface SessionStore<V = Session> {
  /** The value stored under `key`, or `undefined`. */
  get(key: string): Promise<V | undefined>
  /** Stores `value` under `key`, as JSON or a copy: never by reference. */
  set(key: string, value: V, options?: SessionWriteOptions): Promise<void>
  /**
   * Removes `key`. A store that can tell atomically what it removed resolves that value (any other
   * result is ignored): the engine then revokes a refresh token that another process saved
   * between its read and this delete.
   */
  delete(key: string, options?: SessionWriteOptions): Promise<unknown>
}

/** A lock being held, as handed to the task of {@link SessionLock.run}. */
export interface HeldLock {
  /** The lock's name. */
  readonly name: string
  /** The owner token of a lock shared between processes, for fenced writes. */
  readonly token?: string
}

/** Options of {@link SessionLock.run}. */
export interface SessionLockOptions {
  /** Stops waiting for the lock (never the task once it runs). */
  signal?: AbortSignal
}

/**
 * The engine's lock seam: runs a task while holding an exclusive lock, so that one refresh token
 * is spent once across tabs, processes or instances (RFC 9700 §4.14.2). A lock held by a holder
 * that died must expire, and its expiry must cover a token request plus the write after it.
 */
export interface SessionLock {
  /** Runs `task` holding the lock `name`, and settles like it. */
  run<T>(
    name: string,
    task: (held: HeldLock) => Promise<T>,
    options?: SessionLockOptions,
  ): Promise<T>
}

/** What a token request gave: see {@link SessionEngineOptions.request}. */
export interface SessionGrant {
  /** The new tokens. */
  tokenSet: TokenSet
  /** The new ID Token's validated claims. */
  claims?: IdTokenClaims
  /** An ID Token whose signature waits for the issuer's keys (see `TokenResult`). */
  pendingIdToken?: string
}

/** Options of {@link createSessionEngine}. */
export interface SessionEngineOptions {
  /** Where sessions live. */
  store: SessionStore
  /** Serialises token requests for one key. */
  lock: SessionLock
  /**
   * Makes the token request for the stored session `current`: a refresh-token grant when it has
   * a refresh token (the only case without `requestWithoutSession`), else a new request (client
   * credentials). It never gets a caller's signal: once sent, a request is finished and its
   * answer saved, whoever stopped waiting.
   */
  request(current: Session | undefined, key: string): Promise<SessionGrant>
  /** Revokes a refresh token the engine discards (RFC 7009), best effort. */
  revoke?(refreshToken: string): Promise<void>
  /** Checks a pending ID Token again (core's `verifyIdToken`), giving its validated claims. */
  verifyIdToken?(idToken: string, session: Session): Promise<IdTokenClaims>
  /** Problems worked around without failing the caller: a store that fails, a revocation refused. */
  onError?(error: OAuthKitError): void
  /** Told after the engine saved new tokens or removed a session. */
  onChange?(key: string, change: SessionChange): void
  /**
   * Told whether a read was answered with the stored token (`hit`) or had to wait for a token
   * request. With the seams, what {@link observeSessionEvents} reports for metrics.
   */
  onCache?(key: string, hit: boolean): void
  /**
   * Whether a token may be requested without a stored session (client credentials). Otherwise a
   * missing session is `ERR_LOGIN_REQUIRED`.
   */
  requestWithoutSession?: boolean
  /**
   * Serve reads from this engine's memory until {@link SessionEngine.forget} (one tab, one
   * process). Default `false`: every read goes to the store, which other processes may write.
   * Reads under the lock always go to the store.
   */
  memoryFirst?: boolean
  /** Renew ahead of expiry in the background, serving the valid token at once. Default `false`. */
  renewInBackground?: boolean
  /** Seconds ahead of expiry, at most, to renew: see `refreshAt`. Default 60. */
  refreshAhead?: number
  /** Seconds before a failed renewal ahead of expiry is tried again. Default 10. */
  failureCooldown?: number
  /** The clock, epoch milliseconds. */
  now?(): number
}

/** A change the engine made to a session. */
export type SessionChange = 'refresh' | 'end'

/**
 * What the engine did, as told to the `onEvent` of {@link observeSessionEvents}. Durations in
 * milliseconds. `key` is the engine's key: the store's, which may name a session id, so a
 * publisher that leaves the process should drop or hash it.
 */
export type SessionEvent =
  /** A read was answered with a stored token (`hit`), or had to wait for a token request. */
  | { type: 'cache'; key: string; hit: boolean }
  /** A token request: a renewal when a session was stored, its outcome and how long it took. */
  | {
      type: 'request'
      key: string
      renewal: boolean
      outcome: 'success' | 'error'
      duration: number
      /** The error's code when the request failed. */
      code?: string
    }
  /** How long the engine waited for the lock: a renewal, a save, an end, a pending ID Token's check. */
  | { type: 'lock-wait'; key: string; duration: number }
  /** The store failed and the engine's memory was used instead. */
  | { type: 'store-fallback'; key: string; operation: 'read' | 'write' | 'delete' }

/** Options of {@link SessionEngine.get}. */
export interface SessionGetOptions {
  /** Renew even though the token looks fresh (after an API refused it). */
  forceRefresh?: boolean
  /** Ends this caller's wait; never a request already sent. */
  signal?: AbortSignal
}

/** Options of {@link SessionEngine.end}. */
export interface SessionEndOptions {
  /** Stops waiting for the lock (a refresh in flight); the session is deleted all the same. */
  signal?: AbortSignal
  /** Runs while the lock is held, before the revocations: per-session state to delete with it. */
  whileLocked?(held: HeldLock): Promise<void>
}

/** The session engine: see {@link createSessionEngine}. */
export interface SessionEngine {
  /**
   * The session of `key`, renewed first when it is due: read → decide → lock → re-read →
   * request → save.
   *
   * @throws `ERR_LOGIN_REQUIRED` when there is no session, the refresh token was refused, or the
   *   token has expired without a refresh token; the request's error when it failed and the
   *   stored token is no longer usable.
   */
  get(key: string, options?: SessionGetOptions): Promise<Session>
  /** Saves a new session (a login), under the lock. */
  save(key: string, session: Session): Promise<void>
  /**
   * Ends the session: deletes it at once, then, holding the lock, deletes whatever a refresh that
   * was in flight wrote, and revokes every refresh token removed. Resolves the session that was
   * stored when it was called.
   */
  end(key: string, options?: SessionEndOptions): Promise<Session | undefined>
  /** Drops this engine's memory of `key`: another tab or process changed the store. */
  forget(key: string): void
}

/**
 * Creates the session engine: the one routine every oauthkit package keeps sessions with,
 * whatever the runtime. Its rules:
 *
 * - one renewal policy (`refreshAt`: `refreshAhead` seconds before expiry, at most half the lifetime);
 * - one token request per key at a time: single-flight in the process, the {@link SessionLock}
 *   across tabs, processes or instances, and a re-read of the store under the lock first, so a
 *   refresh token another holder rotated is never spent twice (RFC 9700 §4.14.2);
 * - a request that was sent is finished and its answer saved, whoever stopped waiting;
 * - a refresh whose ID Token could not be checked for want of the issuer's keys is saved, with
 *   the last validated claims kept and the new ID Token checked again later;
 * - `invalid_grant` ends the session only while the refused refresh token is still the stored
 *   one: a racer holding a stale copy does not log out a session that was just renewed;
 * - a refresh token the engine discards (a logout or another refresh got there first) is revoked,
 *   best effort;
 * - a store that fails is reported through `onError` and worked around with the engine's memory
 *   of the session: a valid token in hand is served, and never a request per call.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 */
export function createSessionEngine(options: SessionEngineOptions): SessionEngine {
  const { store, lock, request } = options
  const now = options.now ?? Date.now
  const refreshAhead = options.refreshAhead ?? DEFAULT_REFRESH_AHEAD
  const cooldown = (options.failureCooldown ?? 10) * 1000
  const flight = createSingleFlight<string, Session>()
  // The last session seen or written per key; `null`: known to have none.
  const memory = new Map<string, Session | null>()
  const failedAt = new Map<string, number>()
  const checking = new Set<string>()
  // Keys whose last write failed: the session lives in `memory` only.
  const unsaved = new Set<string>()

  // A failing hook or listener must not break the session: its failure is its own. (Three
  // copies rather than one helper: gzip folds the repetition, and the helper cost 17 B more.)
  const report = (error: OAuthKitError): void => {
    try {
      options.onError?.(error)
    } catch {}
  }
  const changed = (key: string, change: SessionChange): void => {
    try {
      options.onChange?.(key, change)
    } catch {}
  }
  const cached = (key: string, hit: boolean): void => {
    try {
      options.onCache?.(key, hit)
    } catch {}
  }
  const storeFailed = (what: 'read' | 'write' | 'delete', cause: unknown): void =>
    report(
      new OAuthKitError(`session store failed to ${what}`, { code: 'ERR_STORE_FAILED', cause }),
    )

  async function read(key: string, fromStore = false): Promise<Session | undefined> {
    if (options.memoryFirst && !fromStore) {
      const known = memory.get(key)
      if (known !== undefined) return known ?? undefined
    }
    try {
      const value = await store.get(key)
      // What this engine could not write is still its session, until another writer's replaces it.
      if (!value?.tokenSet && unsaved.has(key)) return memory.get(key) ?? undefined
      const session = value?.tokenSet ? value : undefined
      unsaved.delete(key)
      memory.set(key, session ?? null)
      return session
    } catch (cause) {
      // Worked around with what this engine saw last: a valid token stays in use.
      storeFailed('read', cause)
      return memory.get(key) ?? undefined
    }
  }

  async function write(key: string, session: Session, held?: HeldLock): Promise<void> {
    memory.set(key, session)
    try {
      await store.set(key, session, held && { lock: held })
      unsaved.delete(key)
    } catch (cause) {
      // The tokens are in memory: this process keeps using them rather than asking again.
      unsaved.add(key)
      storeFailed('write', cause)
    }
  }

  // Resolves the session the store says it removed, when it can tell.
  async function remove(key: string, held?: HeldLock): Promise<Session | undefined> {
    memory.set(key, null)
    unsaved.delete(key)
    try {
      const removed = await store.delete(key, held && { lock: held })
      return removed && typeof removed === 'object' && 'tokenSet' in removed
        ? (removed as Session)
        : undefined
    } catch (cause) {
      storeFailed('delete', cause)
      return undefined
    }
  }

  function revoke(refreshToken: string | undefined): void {
    if (!refreshToken || !options.revoke) return
    options.revoke(refreshToken).catch((cause) =>
      report(
        new OAuthKitError('could not revoke a discarded refresh token', {
          code: 'ERR_REVOCATION_FAILED',
          cause: asOAuthKitError(cause),
        }),
      ),
    )
  }

  const due = (session: Session): boolean =>
    needsRefresh(session.tokenSet, { now: now(), refreshAhead })
  const usable = (session: Session): boolean => !isExpired(session.tokenSet, { now: now() })
  const coolingDown = (key: string): boolean => {
    const at = failedAt.get(key)
    return at !== undefined && now() - at < cooldown
  }

  async function renew(key: string, seen: Session | undefined, force: boolean): Promise<Session> {
    return lock.run(key, async (held) => {
      // Another tab, process or instance may have renewed while this one waited for the lock.
      const stored = await read(key, true)
      const renewedMeanwhile =
        stored !== undefined &&
        (!force || stored.tokenSet.accessToken !== seen?.tokenSet.accessToken)
      if (stored && renewedMeanwhile && !due(stored)) return stored
      if (!stored && !options.requestWithoutSession) throw loginRequired('no session')
      const refreshToken = stored?.tokenSet.refreshToken
      if (stored && !refreshToken && !options.requestWithoutSession) {
        // Asked to renew what cannot be renewed: the caller learns it, the session stays (other
        // tabs still use the token). Expired, the session is over.
        if (usable(stored)) {
          if (force) throw loginRequired('the session has no refresh token')
          return stored
        }
        await remove(key, held)
        changed(key, 'end')
        throw loginRequired('the access token has expired and there is no refresh token')
      }
      let grant: SessionGrant
      try {
        grant = await request(stored, key)
      } catch (err) {
        if (refreshToken && isOAuthResponseError(err) && err.error === 'invalid_grant') {
          // Refused. The session ends only if it is still the one this refresh token belongs to.
          const current = await read(key, true)
          if (current?.tokenSet.refreshToken === refreshToken) {
            await remove(key, held)
            changed(key, 'end')
            throw loginRequired('the server refused the refresh token', err)
          }
          if (current) return current
          throw loginRequired('no session', err)
        }
        failedAt.set(key, now())
        // A transient failure keeps a token that still works.
        if (stored && !force && usable(stored)) return stored
        throw err
      }
      failedAt.delete(key)
      const next = nextSession(stored, grant, now())
      if (refreshToken) {
        // A logout, or a holder that ignored the lock, may have changed the session meanwhile:
        // then these tokens are not the session's any more.
        const current = await read(key, true)
        if (current?.tokenSet.refreshToken !== refreshToken) {
          if (next.tokenSet.refreshToken !== current?.tokenSet.refreshToken) {
            revoke(next.tokenSet.refreshToken)
          }
          if (!current) throw loginRequired('the session ended during the refresh')
          return current
        }
      }
      await write(key, next, held)
      changed(key, 'refresh')
      return next
    })
  }

  // A pending ID Token is checked again in the background, under the lock, at most once per
  // cooldown while the keys stay out of reach.
  function checkPending(key: string, session: Session): void {
    const { verifyIdToken } = options
    const pending = session.pendingIdToken
    if (!pending || !verifyIdToken || checking.has(key) || coolingDown(key)) return
    checking.add(key)
    lock
      .run(key, async (held) => {
        const stored = await read(key, true)
        if (stored?.pendingIdToken !== pending) return
        let claims: IdTokenClaims
        try {
          claims = await verifyIdToken(pending, stored)
        } catch (err) {
          if (isKeysUnavailable(err)) {
            failedAt.set(key, now())
            return
          }
          const { pendingIdToken: _, ...rest } = stored
          if (asOAuthKitError(err).code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED') {
            // Expired before the keys came back: nothing proved, nothing to check any more.
            await write(key, rest, held)
            return
          }
          // Proved bad: the token endpoint's answer was forged or broken. End the session.
          report(
            new OAuthKitError('a refreshed ID Token failed validation; the session was ended', {
              code: 'ERR_ID_TOKEN_INVALID',
              cause: asOAuthKitError(err),
            }),
          )
          await remove(key, held)
          changed(key, 'end')
          revoke(stored.tokenSet.refreshToken)
          return
        }
        const { pendingIdToken: _, ...rest } = stored
        await write(
          key,
          { ...rest, tokenSet: { ...rest.tokenSet, idToken: pending }, claims },
          held,
        )
        changed(key, 'refresh')
      })
      .catch((err) => report(asOAuthKitError(err)))
      .finally(() => checking.delete(key))
  }

  return {
    async get(key, getOptions) {
      const signal = getOptions?.signal
      if (signal?.aborted) throw abortError(signal)
      const force = getOptions?.forceRefresh === true
      const current = await read(key)
      if (!current && !options.requestWithoutSession) throw loginRequired('no session')
      if (current && !force && !due(current)) {
        cached(key, true)
        checkPending(key, current)
        return current
      }
      const run = (waitSignal?: AbortSignal) =>
        flight(force ? `${key}\n\nforce` : key, () => renew(key, current, force), waitSignal)
      if (current && !force && usable(current)) {
        // Due but still valid: a failed renewal waits for its cooldown rather than being retried
        // on every call.
        if (coolingDown(key) || options.renewInBackground) {
          cached(key, true)
          if (!coolingDown(key)) run().catch(() => {})
          return current
        }
      }
      cached(key, false)
      return run(signal)
    },

    save(key, session) {
      return lock.run(key, async (held) => {
        await write(key, session, held)
      })
    },

    async end(key, endOptions) {
      const first = await read(key, true)
      // At once, without the lock: a refresh hanging on the network must not keep the user in.
      // What the delete removed may be newer than what was read: a refresh that saved between.
      const deleted = await remove(key)
      const removed = [first?.tokenSet.refreshToken, deleted?.tokenSet.refreshToken]
      try {
        await lock.run(
          key,
          async (held) => {
            // A refresh that was in flight may have written after the delete.
            const raced = await read(key, true)
            if (raced) {
              const gone = await remove(key, held)
              removed.push(raced.tokenSet.refreshToken, gone?.tokenSet.refreshToken)
            }
            await endOptions?.whileLocked?.(held)
          },
          endOptions?.signal ? { signal: endOptions.signal } : undefined,
        )
      } catch (err) {
        // The wait was given up: the session is deleted all the same, and a refresh still in
        // flight finds it gone and revokes what it got.
        report(asOAuthKitError(err))
      }
      for (const refreshToken of new Set(removed)) revoke(refreshToken)
      changed(key, 'end')
      return first
    },

    forget(key) {
      memory.delete(key)
    },
  }
}

/**
 * The session after a grant: the login's start stays, and so do the last validated ID Token and
 * its claims when the response brought none, or one still waiting for its check (OIDC Core §12.2).
 *
 * On `@oauthkit/core/internal`: no semver promise.
 */
export function nextSession(
  stored: Session | undefined,
  grant: SessionGrant,
  time: number,
): Session {
  const tokenSet = { ...grant.tokenSet }
  const next: Session = { tokenSet, since: stored?.since ?? time }
  if (!tokenSet.idToken && stored?.tokenSet.idToken) tokenSet.idToken = stored.tokenSet.idToken
  const claims = grant.claims ?? stored?.claims
  if (claims) next.claims = claims
  const pending = grant.pendingIdToken ?? (grant.claims ? undefined : stored?.pendingIdToken)
  if (pending) next.pendingIdToken = pending
  return next
}

function loginRequired(reason: string, cause?: unknown): OAuthKitError {
  return new OAuthKitError(`login required: ${reason}`, { code: 'ERR_LOGIN_REQUIRED', cause })
}
