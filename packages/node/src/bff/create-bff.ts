import {
  type AuthorizationTransaction,
  createMemorySessionStore,
  createProcessLock,
  isOAuthKitError,
  OAuthKitError,
  type Session,
  type SessionLock,
  type SessionStore,
} from '@oauthkit/core'
import { invalidArgument, lockOf } from '@oauthkit/core/internal'
import {
  createServerClient,
  type ServerClient,
  type ServerClientOptions,
} from '../server-client.js'
import { parseCookies, serializeCookie } from './cookies.js'
import { type BffUpstream, proxyToUpstream, upstreamUrl } from './proxy-to-upstream.js'
import { createSealer, toBase64Url } from './seal.js'
import { verifyLogoutToken } from './verify-logout-token.js'

/** Options of {@link createBff}. Durations in seconds. */
export interface BffOptions
  extends Pick<
    ServerClientOptions,
    | 'issuer'
    | 'clientId'
    | 'clientSecret'
    | 'privateKey'
    | 'keyId'
    | 'clientAuthMethod'
    | 'fetch'
    | 'timeout'
    | 'allowInsecureRequests'
    | 'clockTolerance'
    | 'metadata'
    | 'dpop'
  > {
  /** The registered redirect URI: `<app origin><basePath>/callback`. Its origin is the app's. */
  redirectUri: string
  /** Scopes to request. Default `openid profile offline_access`. */
  scope?: string
  /** RFC 8707 resource indicator(s) of the APIs the access token is for. */
  resource?: string | string[]
  /**
   * At least 32 characters of secret, for sealing the login transaction cookie (AES-GCM under a
   * key derived with HKDF). Rotating it abandons logins in progress, not sessions.
   */
  secret: string
  /** Where the BFF's endpoints live. Default `/auth`. */
  basePath?: string
  /** Where the authorization server sends the user after logout (registered with it). */
  postLogoutRedirectUri?: string
  /**
   * Where sessions live. Default this process's memory; a fleet shares one (`@oauthkit/redis`),
   * with its `lock`.
   */
  store?: SessionStore<unknown>
  /** Serialises refreshes of one session across the processes that share `store`. */
  lock?: SessionLock
  /** APIs requests may be forwarded to, by path prefix. Nothing else is reachable. */
  apis?: BffUpstream[]
  /**
   * Origins whose pages may call the BFF (the `Origin` of state-changing requests and API
   * calls). Default: the origin of `redirectUri`.
   */
  allowedOrigins?: string[]
  /**
   * `SameSite` of the session cookie. Default `Strict`: the cookie never rides on a request
   * another site starts, links included (the SPA loads anonymous and asks `/user`). `Lax` sends it
   * on top-level navigations from other sites too, for server-rendered pages that need it.
   */
  sameSite?: 'Strict' | 'Lax'
  /** A session unused for this long ends. Default 28 800 (8 hours). */
  idleTimeout?: number
  /** A session ends this long after login, used or not. Default 604 800 (7 days). */
  absoluteTimeout?: number
  /**
   * Cookies without `Secure` (and without the `__Host-` prefix, which requires it), for plain
   * HTTP during development. Lowers security: refused unless `redirectUri` is on a loopback host.
   */
  allowInsecureCookies?: boolean
}

/** A Backend for Frontend: see {@link createBff}. */
export interface Bff {
  /** Answers the BFF's requests (its endpoints and API prefixes); 404 for any other. */
  handler(request: Request): Promise<Response>
  /** Like `handler`, but `undefined` for requests that are not the BFF's, for chaining. */
  handle(request: Request): Promise<Response | undefined>
  /** The server client the BFF uses (its sessions, metadata, revocation). */
  readonly client: ServerClient
  /** The app's origin (of `redirectUri`): adapters build request URLs on it, never on `Host`. */
  readonly origin: string
}

interface SessionRecord {
  /** Login time, epoch ms. */
  since: number
  /** Last use, epoch ms, kept to the minute. */
  seenAt: number
  sub: string
  sid?: string
}

interface LoginTransaction {
  transaction: AuthorizationTransaction
  returnTo: string
}

const CSRF_HEADER = 'x-oauthkit-csrf'
const TRANSACTION_TTL = 600
// Seconds a used logout token's jti is remembered: longer than a logout token is meant to be
// used (§2.4: short-lived), with the clock tolerance to spare.
const USED_LOGOUT_TOKEN_TTL = 600
// How stale `seenAt` may get before it is written again: idle tracking costs a write a minute.
const SEEN_GRANULARITY = 60_000
const NO_STORE = { 'cache-control': 'no-store' }

/**
 * Creates a Backend for Frontend (draft-ietf-oauth-browser-based-apps §6.1): the server is the
 * OAuth client (confidential), keeps every token server-side in the session store, and gives the
 * browser one `HttpOnly` session cookie. An SPA signs in through `<basePath>/login`, reads who is
 * signed in from `<basePath>/user`, calls its APIs through the configured prefixes (the BFF adds
 * the access token, refreshed by the session engine when due), and signs out through
 * `<basePath>/logout`; the authorization server ends sessions through
 * `<basePath>/backchannel-logout` (OIDC Back-Channel Logout 1.0).
 *
 * Built on the Fetch API (`Request` → `Response`): it runs in Node, Deno, Bun, workers, Next.js
 * route handlers and Hono as is; `toNodeHandler` adapts it to `node:http` and Express.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps#section-6.1
 * @example
 * ```ts
 * const bff = createBff({
 *   issuer, clientId: 'web', clientSecret, secret: process.env.BFF_SECRET,
 *   redirectUri: 'https://app.example.com/auth/callback',
 *   apis: [{ prefix: '/api', upstream: 'https://api.example.com' }],
 * })
 * export default { fetch: bff.handler }
 * ```
 */
export function createBff(options: BffOptions): Bff {
  const settings = checkOptions(options)
  const { basePath, redirect, appOrigin, secure, sameSite } = settings
  const store = options.store ?? createMemorySessionStore<unknown>()
  const client = createServerClient({
    issuer: options.issuer,
    clientId: options.clientId,
    ...pick(options, [
      'clientSecret',
      'privateKey',
      'keyId',
      'clientAuthMethod',
      'fetch',
      'timeout',
      'allowInsecureRequests',
      'clockTolerance',
      'metadata',
      'dpop',
    ]),
    sessions: {
      store: store as SessionStore,
      ...(options.lock ? { lock: options.lock } : {}),
      // An abandoned session (the user never came back) leaves the store with its metadata,
      // instead of keeping a live refresh token there for ever.
      ttl: settings.absoluteTimeout,
    },
  })
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const sealer = createSealer(options.secret, 'oauthkit bff login transaction')
  const scope = options.scope ?? 'openid profile offline_access'
  // `__Host-`: the browser takes the cookie only with Secure, Path=/ and no Domain, so no
  // sibling subdomain can plant or shadow it.
  const prefix = secure ? '__Host-' : ''
  const sessionCookie = `${prefix}oauthkit-session`
  const transactionCookie = `${prefix}oauthkit-login`
  const idleMs = settings.idleTimeout * 1000
  const absoluteMs = settings.absoluteTimeout * 1000

  const cookie = (name: string, value: string, maxAge: number, site: 'Strict' | 'Lax') =>
    serializeCookie(name, value, { maxAge, sameSite: site, secure })

  // The store never sees a session id: only its SHA-256, so a leaked store or key log cannot be
  // replayed as a cookie.
  async function keyOf(request: Request): Promise<string | undefined> {
    const id = parseCookies(request.headers.get('cookie')).get(sessionCookie)
    if (!id || !/^[-_A-Za-z0-9]{43}$/.test(id)) return undefined
    return hashOf(id)
  }
  const metaKey = (hash: string) => `oauthkit:bff:meta:${hash}`
  const indexKey = async (kind: 'sid' | 'sub', value: string) =>
    `oauthkit:bff:${kind}:${await hashOf(`${client.issuer} ${value}`)}`

  async function readIndex(key: string): Promise<string[]> {
    const value = await store.get(key)
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
  }
  // An index, or a used logout token's mark, is read, changed and written back under its own
  // lock (the store's own for a fleet). Two logins of one user at once (or a login and a logout)
  // would otherwise each write the list they read, and a session left out of its sub's or sid's
  // index outlives the back-channel logout meant to end it.
  const storeLock = options.lock ?? lockOf(store as SessionStore) ?? createProcessLock()
  function updateIndex(key: string, change: (members: Set<string>) => void): Promise<void> {
    return storeLock.run(key, async (lock) => {
      const members = new Set(await readIndex(key))
      change(members)
      if (members.size > 0)
        await store.set(key, [...members], { ttl: settings.absoluteTimeout, lock })
      else await store.delete(key, { lock })
    })
  }
  const addToIndex = (key: string, hash: string) => updateIndex(key, (members) => members.add(hash))

  // The session of the request, ended first when it is idle or too old. `undefined`: anonymous.
  async function current(
    request: Request,
  ): Promise<{ hash: string; record: SessionRecord } | undefined> {
    const hash = await keyOf(request)
    if (!hash) return undefined
    const record = (await store.get(metaKey(hash))) as SessionRecord | undefined
    if (!record || typeof record.since !== 'number') return undefined
    const now = Date.now()
    if (now - record.seenAt > idleMs || now - record.since > absoluteMs) {
      await end(hash, record)
      return undefined
    }
    if (now - record.seenAt > SEEN_GRANULARITY) {
      record.seenAt = now
      await store.set(metaKey(hash), record, { ttl: settings.absoluteTimeout })
    }
    return { hash, record }
  }

  async function end(hash: string, record?: SessionRecord): Promise<Session | undefined> {
    await store.delete(metaKey(hash))
    const ended = await client.endSession(hash)
    for (const [kind, value] of [
      ['sid', record?.sid],
      ['sub', record?.sub],
    ] as const) {
      if (!value) continue
      await updateIndex(await indexKey(kind, value), (members) => members.delete(hash))
    }
    return ended
  }

  // draft-ietf-oauth-browser-based-apps §6.1.3.2: a custom header forces a CORS preflight for
  // any cross-origin caller (which this BFF never approves), and the Origin, when the browser
  // sends one, must be the app's.
  function crossSite(request: Request): boolean {
    if (request.headers.get(CSRF_HEADER) !== '1') return true
    const origin = request.headers.get('origin')
    if (origin !== null) return !settings.allowedOrigins.includes(origin)
    const site = request.headers.get('sec-fetch-site')
    return site !== null && site !== 'same-origin'
  }

  async function login(request: Request): Promise<Response> {
    const returnTo = safeReturnTo(new URL(request.url).searchParams.get('returnTo'), appOrigin)
    const { url, transaction } = await client.buildAuthorizationUrl({
      redirectUri: redirect.href,
      scope,
      ...(options.resource ? { resource: options.resource } : {}),
    })
    const sealed = await sealer.seal({ transaction, returnTo } satisfies LoginTransaction)
    return new Response(null, {
      status: 303,
      headers: {
        location: url.href,
        ...NO_STORE,
        // Lax: it must ride on the authorization server's redirect back, a cross-site navigation.
        'set-cookie': cookie(transactionCookie, sealed, TRANSACTION_TTL, 'Lax'),
      },
    })
  }

  async function callback(request: Request): Promise<Response> {
    const cookies = parseCookies(request.headers.get('cookie'))
    const sealed = cookies.get(transactionCookie)
    const login = sealed ? ((await sealer.open(sealed)) as LoginTransaction | undefined) : undefined
    const clear = cookie(transactionCookie, '', 0, 'Lax')
    if (!login?.transaction || Date.now() - login.transaction.createdAt > TRANSACTION_TTL * 1000) {
      return json(
        400,
        { error: 'invalid_request', error_description: 'no login is in progress' },
        clear,
      )
    }
    // The callback URL is the registered one plus the query: never built from the Host header.
    const callbackUrl = new URL(redirect.href)
    callbackUrl.search = new URL(request.url).search
    let session: Session
    try {
      session = await client.authorizationCodeGrant(callbackUrl, login.transaction)
    } catch (err) {
      return json(400, { error: 'login_failed', error_description: describe(err) }, clear)
    }
    // A new id at every login: an id planted before login is never the one that gets the tokens.
    const previous = await keyOf(request)
    if (previous) await end(previous, (await store.get(metaKey(previous))) as SessionRecord)
    const id = toBase64Url(crypto.getRandomValues(new Uint8Array(32)))
    const hash = await hashOf(id)
    await client.saveSession(hash, session)
    const now = Date.now()
    const sub = session.claims?.sub ?? ''
    const sid = typeof session.claims?.sid === 'string' ? session.claims.sid : undefined
    const record: SessionRecord = { since: now, seenAt: now, sub }
    if (sid) record.sid = sid
    await store.set(metaKey(hash), record, { ttl: settings.absoluteTimeout })
    if (sid) await addToIndex(await indexKey('sid', sid), hash)
    if (sub) await addToIndex(await indexKey('sub', sub), hash)
    const headers = new Headers({ location: login.returnTo, ...NO_STORE })
    headers.append('set-cookie', clear)
    headers.append('set-cookie', cookie(sessionCookie, id, settings.absoluteTimeout, sameSite))
    return new Response(null, { status: 303, headers })
  }

  async function user(request: Request): Promise<Response> {
    const found = await current(request)
    if (!found) return json(200, null)
    try {
      const { claims } = await client.getSession(found.hash)
      return json(200, claims ?? { sub: found.record.sub })
    } catch (err) {
      if (isOAuthKitError(err) && err.code === 'ERR_LOGIN_REQUIRED') {
        await end(found.hash, found.record)
        return json(200, null, cookie(sessionCookie, '', 0, sameSite))
      }
      throw err
    }
  }

  async function logout(request: Request): Promise<Response> {
    const found = await current(request)
    const ended = found ? await end(found.hash, found.record) : undefined
    let logoutUrl = options.postLogoutRedirectUri ?? '/'
    try {
      const url = await client.buildEndSessionUrl({
        ...(ended?.tokenSet.idToken ? { idTokenHint: ended.tokenSet.idToken } : {}),
        ...(options.postLogoutRedirectUri
          ? { postLogoutRedirectUri: options.postLogoutRedirectUri }
          : {}),
      })
      logoutUrl = url.href
    } catch {
      // No end_session_endpoint: the local session is over all the same.
    }
    return json(200, { logoutUrl }, cookie(sessionCookie, '', 0, sameSite))
  }

  async function backchannelLogout(request: Request): Promise<Response> {
    const type = request.headers.get('content-type') ?? ''
    if (!type.startsWith('application/x-www-form-urlencoded')) {
      return json(400, { error: 'invalid_request', error_description: 'expected a form' })
    }
    const token = new URLSearchParams(await request.text()).get('logout_token')
    if (!token) return json(400, { error: 'invalid_request', error_description: 'no logout_token' })
    try {
      const metadata = await client.metadata()
      const claims = await verifyLogoutToken(token, metadata, client.clientId, {
        clockTolerance: options.clockTolerance ?? 5,
        http: {
          fetch: fetchImpl,
          allowInsecureRequests: options.allowInsecureRequests === true,
        },
      })
      // §2.6 step 8 (optional): a logout token is used once, by every instance that shares the
      // store: looked up and marked in it under a lock of its own.
      const usedKey = `oauthkit:bff:jti:${await hashOf(`${claims.iss} ${claims.jti}`)}`
      await storeLock.run(usedKey, async (lock) => {
        if ((await store.get(usedKey)) === true) {
          throw new OAuthKitError('invalid logout token: replayed', {
            code: 'ERR_LOGOUT_TOKEN_INVALID',
          })
        }
        const members = claims.sid
          ? await readIndex(await indexKey('sid', claims.sid))
          : await readIndex(await indexKey('sub', claims.sub as string))
        for (const hash of members) {
          const record = (await store.get(metaKey(hash))) as SessionRecord | undefined
          // With both, the session must match both (§2.6 step 7 leaves the choice; the stricter).
          if (record && claims.sub && record.sub !== claims.sub) continue
          await end(hash, record)
        }
        // Marked used only once done: a store failure above answers 400 and the server may resend.
        await store.set(usedKey, true, { ttl: USED_LOGOUT_TOKEN_TTL, lock })
      })
      return new Response(null, { status: 200, headers: NO_STORE })
    } catch (err) {
      return json(400, { error: 'invalid_request', error_description: describe(err) })
    }
  }

  async function proxy(request: Request, target: URL): Promise<Response> {
    const found = await current(request)
    if (!found) return json(401, { error: 'login_required' })
    const send = async (forceRefresh: boolean) => {
      const { tokenSet } = await client.getSession(found.hash, { forceRefresh })
      // A DPoP-bound token goes with a fresh proof for this very request (RFC 9449 §7); a Bearer
      // token (a server that ignored the proof) goes as it was issued.
      const dpop = tokenSet.tokenType === 'DPoP' ? await client.dpopHandle() : undefined
      return proxyToUpstream(request, target, tokenSet.accessToken, fetchImpl, dpop)
    }
    try {
      const response = await send(false)
      // A token the API refused (revoked, rotated keys) is refreshed once, where the request can
      // be sent again: a streamed body cannot.
      if (response.status === 401 && (request.method === 'GET' || request.method === 'HEAD')) {
        await response.body?.cancel()
        return await send(true)
      }
      return response
    } catch (err) {
      if (isOAuthKitError(err) && err.code === 'ERR_LOGIN_REQUIRED') {
        await end(found.hash, found.record)
        return json(401, { error: 'login_required' }, cookie(sessionCookie, '', 0, sameSite))
      }
      return json(502, { error: 'bad_gateway', error_description: describe(err) })
    }
  }

  async function handle(request: Request): Promise<Response | undefined> {
    const url = new URL(request.url)
    const { pathname, search } = url
    const method = request.method
    if (pathname.startsWith(`${basePath}/`)) {
      const endpoint = pathname.slice(basePath.length + 1)
      if (endpoint === 'login' && method === 'GET') return login(request)
      if (endpoint === 'callback' && method === 'GET') return callback(request)
      if (endpoint === 'backchannel-logout' && method === 'POST') return backchannelLogout(request)
      if (endpoint === 'user' && method === 'GET') {
        return crossSite(request) ? forbidden() : user(request)
      }
      if (endpoint === 'logout' && method === 'POST') {
        return crossSite(request) ? forbidden() : logout(request)
      }
      if (['login', 'callback', 'backchannel-logout', 'user', 'logout'].includes(endpoint)) {
        return json(405, { error: 'method_not_allowed' })
      }
      return undefined
    }
    for (const api of settings.apis) {
      if (pathname !== api.prefix && !pathname.startsWith(`${api.prefix}/`)) continue
      if (crossSite(request)) return forbidden()
      // The raw path, as sent: the parsed one has dot segments resolved already.
      const target = upstreamUrl(api, rawPathOf(request.url) ?? pathname, search)
      if (!target)
        return json(400, { error: 'invalid_request', error_description: 'path not allowed' })
      return proxy(request, target)
    }
    return undefined
  }

  return {
    client,
    origin: appOrigin,
    handle,
    async handler(request) {
      try {
        return (await handle(request)) ?? json(404, { error: 'not_found' })
      } catch (err) {
        return json(500, { error: 'server_error', error_description: describe(err) })
      }
    },
  }
}

function forbidden(): Response {
  return json(403, {
    error: 'forbidden',
    error_description: `cross-site request refused: send "${CSRF_HEADER}: 1" from an allowed origin`,
  })
}

function json(status: number, body: unknown, setCookie?: string): Response {
  const headers = new Headers({ 'content-type': 'application/json', ...NO_STORE })
  if (setCookie) headers.append('set-cookie', setCookie)
  return new Response(JSON.stringify(body), { status, headers })
}

// Safe to show: oauthkit messages never carry tokens or codes; anything else is not shown.
function describe(err: unknown): string {
  return isOAuthKitError(err) ? `${err.message} (${err.code})` : 'unexpected error'
}

async function hashOf(value: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value))
  return toBase64Url(new Uint8Array(digest))
}

// The path as the client sent it, before the URL parser resolved `..` and `.`.
function rawPathOf(url: string): string | undefined {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/i.exec(url)
  return match?.[1] || undefined
}

/**
 * `returnTo` as a path on the app's origin, or `/`: never another origin (`//evil`, `/\evil`,
 * `https://evil`, encoded variants), so the login cannot be used as an open redirect.
 */
export function safeReturnTo(value: string | null, appOrigin: string): string {
  if (!value?.startsWith('/') || value.startsWith('//')) return '/'
  // Browsers treat a backslash as a slash, and strip tabs and line breaks from URLs: allow only
  // printable ASCII without backslashes.
  if (!/^[ -[\]-~]*$/.test(value) || /^\/%2f|^\/%5c/i.test(value)) return '/'
  try {
    const url = new URL(value, appOrigin)
    if (url.origin !== appOrigin) return '/'
    return `${url.pathname}${url.search}${url.hash}`
  } catch {
    return '/'
  }
}

function pick<T extends object, K extends keyof T>(value: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {}
  for (const key of keys) if (value[key] !== undefined) out[key] = value[key]
  return out
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

function checkOptions(options: BffOptions) {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object')
  if (typeof options.secret !== 'string' || options.secret.length < 32) {
    throw invalidArgument('secret', 'a string of at least 32 characters', 'ERR_INVALID_ARG_VALUE')
  }
  let redirect: URL
  try {
    redirect = new URL(options.redirectUri)
  } catch {
    throw invalidArgument('redirectUri', 'an absolute URL', 'ERR_INVALID_ARG_VALUE')
  }
  const basePath = (options.basePath ?? '/auth').replace(/\/$/, '')
  if (!/^\/[-._~A-Za-z0-9/]*$/.test(basePath)) {
    throw invalidArgument('basePath', 'a path such as /auth', 'ERR_INVALID_ARG_VALUE')
  }
  const insecure = options.allowInsecureCookies === true
  if (insecure && !LOOPBACK.has(redirect.hostname)) {
    throw invalidArgument(
      'allowInsecureCookies',
      'used only with a redirectUri on a loopback host',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  if (!insecure && redirect.protocol !== 'https:') {
    throw invalidArgument(
      'redirectUri',
      'an https: URL (or set allowInsecureCookies for a loopback development server)',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  const apis = (options.apis ?? []).map((api, i) => {
    if (typeof api?.prefix !== 'string' || !/^\/[-._~A-Za-z0-9/]*[^/]$/.test(api.prefix)) {
      throw invalidArgument(`apis[${i}].prefix`, 'a path such as /api', 'ERR_INVALID_ARG_VALUE')
    }
    if (api.prefix === basePath || api.prefix.startsWith(`${basePath}/`)) {
      throw invalidArgument(`apis[${i}].prefix`, `outside ${basePath}`, 'ERR_INVALID_ARG_VALUE')
    }
    let upstream: URL
    try {
      upstream = new URL(api.upstream)
    } catch {
      throw invalidArgument(`apis[${i}].upstream`, 'an absolute URL', 'ERR_INVALID_ARG_VALUE')
    }
    if (upstream.protocol !== 'https:' && options.allowInsecureRequests !== true) {
      throw invalidArgument(
        `apis[${i}].upstream`,
        'an https: URL (or set allowInsecureRequests)',
        'ERR_INVALID_ARG_VALUE',
      )
    }
    return { prefix: api.prefix, upstream: upstream.href }
  })
  const seconds = (value: number | undefined, name: string, fallback: number) => {
    if (value === undefined) return fallback
    if (!Number.isFinite(value) || value <= 0) {
      throw invalidArgument(name, 'a positive number of seconds', 'ERR_INVALID_ARG_VALUE')
    }
    return value
  }
  const sameSite = options.sameSite ?? 'Strict'
  if (sameSite !== 'Strict' && sameSite !== 'Lax') {
    throw invalidArgument('sameSite', '"Strict" or "Lax"', 'ERR_INVALID_ARG_VALUE')
  }
  return {
    basePath,
    redirect,
    appOrigin: redirect.origin,
    secure: !insecure,
    sameSite,
    apis,
    allowedOrigins: options.allowedOrigins ?? [redirect.origin],
    idleTimeout: seconds(options.idleTimeout, 'idleTimeout', 28_800),
    absoluteTimeout: seconds(options.absoluteTimeout, 'absoluteTimeout', 604_800),
  }
}
