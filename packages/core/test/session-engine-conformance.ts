// The session engine's conformance scenarios, written once and run against every adapter pair
// (memory + process lock, file + file lock, IndexedDB + Web Locks under happy-dom and in real
// Chromium). Framework-neutral on purpose: no test-runner import, plain `Error`s, so the same
// file is bundled into a browser page as it is into vitest.
import {
  createSessionEngine,
  OAuthResponseError,
  type Session,
  type SessionEngine,
  type SessionEngineOptions,
  type SessionLock,
  type SessionStore,
  type TokenSet,
} from '@oauthkit/core'

/** What an adapter under test provides. */
export interface ConformanceAdapters {
  /**
   * A store and a lock over the same backing state as every other pair this call to `open`
   * returns (two "tabs" or "processes"); `open` is called once per scenario with a fresh name.
   */
  open(name: string): Promise<{ pair(): { store: SessionStore; lock: SessionLock } }>
}

/** One scenario. */
export interface ConformanceScenario {
  name: string
  run(adapters: ConformanceAdapters): Promise<void>
}

const KEY = 'https://as.example.com client session'

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`conformance: ${message}`)
}

/**
 * A token endpoint in memory that rotates the refresh token on every use, the way RFC 9700
 * §4.14.2 asks, and remembers which refresh tokens are still live.
 */
export function createRotatingServer(options: { lifetime?: number } = {}) {
  const lifetime = options.lifetime ?? 300
  const live = new Set<string>()
  let issued = 0
  let requests = 0
  let gate: Promise<void> | undefined
  const mint = (): TokenSet => {
    issued++
    const refreshToken = `rt-${issued}`
    live.add(refreshToken)
    const receivedAt = Math.floor(Date.now() / 1000)
    return {
      accessToken: `at-${issued}`,
      tokenType: 'Bearer',
      receivedAt,
      expiresAt: receivedAt + lifetime,
      refreshToken,
    }
  }
  return {
    live,
    get requests() {
      return requests
    },
    login(): Session {
      return { tokenSet: mint(), since: Date.now(), claims: { sub: 'alice' } as Session['claims'] }
    },
    /** Holds every request until the returned function is called. */
    hold(): () => void {
      let release!: () => void
      gate = new Promise((resolve) => {
        release = resolve
      })
      return () => {
        gate = undefined
        release()
      }
    },
    async request(current: Session | undefined) {
      requests++
      const refreshToken = current?.tokenSet.refreshToken
      if (gate) await gate
      if (!refreshToken || !live.delete(refreshToken)) {
        throw new OAuthResponseError('refresh token refused', {
          error: 'invalid_grant',
          status: 400,
        })
      }
      return { tokenSet: mint() }
    },
    async revoke(refreshToken: string) {
      live.delete(refreshToken)
    },
  }
}

type Server = ReturnType<typeof createRotatingServer>

function engineFor(
  pair: { store: SessionStore; lock: SessionLock },
  server: Server,
  extra: Partial<SessionEngineOptions> = {},
): SessionEngine {
  return createSessionEngine({
    ...pair,
    request: (current) => server.request(current),
    revoke: (token) => server.revoke(token),
    ...extra,
  })
}

// A session due for renewal: received long ago, expiring within the minute.
function due(session: Session): Session {
  const now = Math.floor(Date.now() / 1000)
  return {
    ...session,
    tokenSet: { ...session.tokenSet, receivedAt: now - 300, expiresAt: now + 5 },
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20))

/** The scenarios every adapter pair must pass. */
export const sessionEngineScenarios: ConformanceScenario[] = [
  {
    name: 'a saved session reads back whole, claims and receipt time included',
    async run(adapters) {
      const backing = await adapters.open('round-trip')
      const server = createRotatingServer()
      const engine = engineFor(backing.pair(), server)
      const session = server.login()
      await engine.save(KEY, session)
      const other = engineFor(backing.pair(), server)
      const read = await other.get(KEY)
      check(
        JSON.stringify(read) === JSON.stringify(session),
        'the session read differs from the one saved',
      )
      check(server.requests === 0, 'a fresh session was renewed')
    },
  },
  {
    name: 'concurrent callers in two instances renew a due session with one request',
    async run(adapters) {
      const backing = await adapters.open('one-request')
      const server = createRotatingServer()
      const first = engineFor(backing.pair(), server)
      const second = engineFor(backing.pair(), server)
      await first.save(KEY, due(server.login()))
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? first : second).get(KEY)),
      )
      check(server.requests === 1, `expected 1 token request, saw ${server.requests}`)
      const tokens = new Set(results.map((s) => s.tokenSet.accessToken))
      check(tokens.size === 1, 'callers got different tokens')
      const stored = await engineFor(backing.pair(), server).get(KEY)
      check(stored.tokenSet.refreshToken === 'rt-2', 'the rotated refresh token was not stored')
      check(stored.claims?.sub === 'alice', 'the claims were lost in the refresh')
    },
  },
  {
    name: 'a caller that stops waiting does not cancel the refresh, and its answer is saved',
    async run(adapters) {
      const backing = await adapters.open('abort')
      const server = createRotatingServer()
      const engine = engineFor(backing.pair(), server)
      await engine.save(KEY, due(server.login()))
      const release = server.hold()
      const controller = new AbortController()
      const waiting = engine.get(KEY, { forceRefresh: true, signal: controller.signal })
      await settle()
      controller.abort()
      const error = await waiting.then(
        () => undefined,
        (err: { code?: string }) => err,
      )
      check(error?.code === 'ERR_ABORTED', 'the aborted caller did not get ERR_ABORTED')
      release()
      await settle()
      const stored = await engineFor(backing.pair(), server).get(KEY)
      check(stored.tokenSet.refreshToken === 'rt-2', 'the answer of the abandoned request was lost')
      check(server.live.has('rt-2') && server.live.size === 1, 'refresh tokens left live')
    },
  },
  {
    name: 'invalid_grant for a refresh token that is no longer stored keeps the session',
    async run(adapters) {
      const backing = await adapters.open('stale-racer')
      const server = createRotatingServer()
      const pair = backing.pair()
      // A racer that skips the lock (no Web Locks) and spends a refresh token another
      // instance has already rotated.
      const noLock: SessionLock = { run: (name, task) => task({ name }) }
      const renewer = engineFor(backing.pair(), server)
      const session = due(server.login())
      await renewer.save(KEY, session)
      const release = server.hold()
      const stale = engineFor({ store: pair.store, lock: noLock }, server).get(KEY, {
        forceRefresh: true,
      })
      await settle()
      // Meanwhile the other instance renews (rt-1 → rt-2) before the stale request lands.
      server.live.delete('rt-1')
      const renewed: Session = { ...server.login(), since: session.since ?? 0 }
      await renewer.save(KEY, renewed)
      release()
      const result = await stale
      check(
        result.tokenSet.accessToken === renewed.tokenSet.accessToken,
        'the racer did not get the renewed session',
      )
      const stored = await engineFor(backing.pair(), server).get(KEY)
      check(
        stored.tokenSet.refreshToken === renewed.tokenSet.refreshToken,
        'the renewed session was logged out',
      )
    },
  },
  {
    name: 'invalid_grant for the stored refresh token ends the session',
    async run(adapters) {
      const backing = await adapters.open('refused')
      const server = createRotatingServer()
      const engine = engineFor(backing.pair(), server)
      await engine.save(KEY, due(server.login()))
      server.live.clear()
      const error = await engine.get(KEY, { forceRefresh: true }).then(
        () => undefined,
        (err: { code?: string }) => err,
      )
      check(
        error?.code === 'ERR_LOGIN_REQUIRED',
        'a refused refresh token did not say ERR_LOGIN_REQUIRED',
      )
      const again = await engineFor(backing.pair(), server)
        .get(KEY)
        .then(
          () => undefined,
          (err: { code?: string }) => err,
        )
      check(again?.code === 'ERR_LOGIN_REQUIRED', 'the refused session was kept')
    },
  },
  {
    name: 'a logout while a refresh is in flight revokes the rotated refresh token too',
    async run(adapters) {
      const backing = await adapters.open('logout-race')
      const server = createRotatingServer()
      const refresher = engineFor(backing.pair(), server)
      const other = engineFor(backing.pair(), server)
      await refresher.save(KEY, due(server.login()))
      const release = server.hold()
      const refreshing = refresher.get(KEY, { forceRefresh: true }).catch((err) => err)
      await settle()
      const ending = other.end(KEY)
      // The logout's immediate delete lands before the refresh's answer does (a store on disk
      // may take longer than a fixed pause to write it).
      while (await backing.pair().store.get(KEY)) await settle()
      release()
      const outcome = await refreshing
      await ending
      await settle()
      check(
        (outcome as { code?: string }).code === 'ERR_LOGIN_REQUIRED',
        'the refresh that lost to a logout handed out tokens',
      )
      check(server.live.size === 0, `${server.live.size} refresh token(s) left live after logout`)
      const after = await engineFor(backing.pair(), server)
        .get(KEY)
        .catch((err: { code?: string }) => err)
      check((after as { code?: string }).code === 'ERR_LOGIN_REQUIRED', 'the session came back')
    },
  },
  {
    name: 'a transient failure keeps a session whose token still works',
    async run(adapters) {
      const backing = await adapters.open('transient')
      const server = createRotatingServer()
      let fail = true
      const engine = engineFor(backing.pair(), server, {
        request: (current) =>
          fail ? Promise.reject(new Error('connection reset')) : server.request(current),
      })
      const session = due(server.login())
      await engine.save(KEY, session)
      const kept = await engine.get(KEY)
      check(
        kept.tokenSet.accessToken === session.tokenSet.accessToken,
        'the working token was not served',
      )
      fail = false
      const renewed = await engine.get(KEY, { forceRefresh: true })
      check(
        renewed.tokenSet.refreshToken === 'rt-2',
        'the session was not renewed after the failure',
      )
    },
  },
  {
    name: 'the lock never runs two tasks for one name at once',
    async run(adapters) {
      const backing = await adapters.open('exclusive')
      let inside = 0
      let most = 0
      await Promise.all(
        Array.from({ length: 6 }, () =>
          backing.pair().lock.run('exclusive', async () => {
            inside++
            most = Math.max(most, inside)
            await settle()
            inside--
          }),
        ),
      )
      check(most === 1, `${most} tasks held the lock at once`)
    },
  },
]
