import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  authorizationCodeGrant,
  buildAuthorizationUrl,
  isOAuthKitError,
  OAuthKitError,
  OAuthResponseError,
  type TokenSet,
  toOAuthKitError,
} from '@oauthkit/core'
import { abortError, accessDenied, invalidArgument } from '@oauthkit/core/internal'
import {
  assertConnectionOptions,
  assertOptionalFunction,
  assertResource,
  assertScope,
  assertSignal,
  type ConnectionOptions,
  connect,
} from './connect.js'
import { loopbackPage } from './loopback-page.js'
import { openSystemBrowser } from './open-system-browser.js'

/** Options of {@link loopbackLogin}. */
export interface LoopbackLoginOptions extends ConnectionOptions {
  /** Space-separated scopes, for example `openid offline_access`. */
  scope: string
  /**
   * Sends the user to the authorization URL. Defaults to {@link openSystemBrowser}. A command
   * should also print the URL, in case no browser opens.
   */
  openBrowser?: (url: string) => unknown
  /** Milliseconds to wait for the browser to come back. Default 300 000 (five minutes). */
  timeout?: number
  /** Stops waiting at once; the promise rejects with `ERR_ABORTED`. */
  signal?: AbortSignal
  /** The path of the redirect URI on the loopback server. Default `/callback`. */
  callbackPath?: string
  /** RFC 8707 resource indicator(s). */
  resource?: string | string[]
  /** OIDC `prompt`, for example `login`. */
  prompt?: string
  /** OIDC `login_hint`. */
  loginHint?: string
}

const LOOPBACK = 'loopback login'

/** Five minutes: long enough to type a password and pass a second factor. */
const DEFAULT_TIMEOUT = 300_000

/**
 * Logs in through the system browser with a loopback redirect (RFC 8252): starts a one-shot HTTP
 * server on `127.0.0.1` with an ephemeral port, sends the browser to the authorization endpoint
 * with PKCE S256, `state` and a `nonce`, and exchanges the code when the browser comes back,
 * checking `state`, the RFC 9207 `iss` parameter and the ID Token. The browser gets a short
 * success or failure page. The server is closed afterwards, whatever happens.
 *
 * The redirect URI is `http://127.0.0.1:<port>/callback`; the client must be registered with
 * `http://127.0.0.1/callback`, which servers match on any port (RFC 8252 §7.3).
 *
 * @returns The tokens.
 * A request to the callback path without this login's `state` is answered with a 400 page and
 * ignored: only the browser coming back from this sign-in can end it, not another local process
 * probing the port.
 *
 * @throws `TypeError` (`ERR_INVALID_ARG_*`) for bad options, before any request (an `http:`
 *   issuer without `allowInsecureRequests` included); `ERR_TIMEOUT` when the browser does not
 *   come back in time; `ERR_ABORTED` when `signal` fires; `ERR_ACCESS_DENIED` when the user
 *   declined; other {@link OAuthKitError}s for protocol failures.
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 * @example
 * ```ts
 * const tokenSet = await loopbackLogin({
 *   issuer: 'https://as.example.com',
 *   clientId: 'my-cli',
 *   scope: 'openid offline_access',
 * })
 * ```
 */
export async function loopbackLogin(options: LoopbackLoginOptions): Promise<TokenSet> {
  assertConnectionOptions(options)
  assertScope(options.scope)
  assertOptionalFunction(options.openBrowser, 'options.openBrowser')
  const timeout = options.timeout ?? DEFAULT_TIMEOUT
  if (!(typeof timeout === 'number' && timeout > 0 && timeout <= 2 ** 31 - 1)) {
    throw invalidArgument(
      'options.timeout',
      'a positive number of milliseconds',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  const callbackPath = options.callbackPath ?? '/callback'
  if (typeof callbackPath !== 'string' || !callbackPath.startsWith('/')) {
    throw invalidArgument(
      'options.callbackPath',
      'a path starting with "/"',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  assertResource(options.resource)
  assertSignal(options.signal)
  for (const name of ['prompt', 'loginHint'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'string') {
      throw invalidArgument(`options.${name}`, 'a string')
    }
  }
  const { signal } = options
  if (signal?.aborted) throw abortError(signal, LOOPBACK)

  const context = await connect(options, signal)
  const server = createServer()
  try {
    const port = await listen(server, signal)
    // RFC 8252 §8.3: the loopback IP literal, not "localhost", which may resolve elsewhere.
    const redirectUri = `http://127.0.0.1:${port}${callbackPath}`
    const { url, transaction } = await buildAuthorizationUrl(context, {
      redirectUri,
      scope: options.scope,
      ...(options.resource === undefined ? {} : { resource: options.resource }),
      ...(options.prompt === undefined ? {} : { prompt: options.prompt }),
      ...(options.loginHint === undefined ? {} : { loginHint: options.loginHint }),
      ...(signal ? { signal } : {}),
    })
    const callback = waitForCallback(server, callbackPath, transaction.state, timeout, signal)
    // Not awaited on its own: an opener may resolve only after the browser has come back.
    const opener = options.openBrowser ?? openSystemBrowser
    const browserFailed = Promise.resolve()
      .then(() => opener(url.href))
      .then(
        () => new Promise<never>(() => {}),
        (err: unknown) => {
          callback.cancel()
          throw new OAuthKitError('could not open the browser', { code: 'ERR_BROWSER', cause: err })
        },
      )
    const { request, response } = await Promise.race([callback.promise, browserFailed])
    const callbackUrl = new URL(request.url ?? '/', redirectUri)
    try {
      const { tokenSet } = await authorizationCodeGrant(context, callbackUrl, transaction, {
        ...(signal ? { signal } : {}),
      })
      await respond(response, 200, loopbackPage({ ok: true }))
      return tokenSet
    } catch (err) {
      const mapped = accessDenied(
        toOAuthKitError(err),
        'the user declined the authorization request',
      )
      await respond(response, 400, loopbackPage({ ok: false, reason: describe(mapped) }))
      throw mapped
    }
  } finally {
    await close(server)
  }
}

interface Callback {
  request: IncomingMessage
  response: ServerResponse
}

/**
 * Resolves with the first request to `callbackPath` that carries our `state`, with a code or an
 * error. A request with another state (or none) cannot be the browser coming back from this
 * sign-in, only a local process probing the port or a stale tab: it gets a 400 page, and the wait
 * goes on, so it cannot end the user's login. Any other path (a favicon) gets a 404.
 */
function waitForCallback(
  server: Server,
  callbackPath: string,
  state: string,
  timeout: number,
  signal: AbortSignal | undefined,
): { promise: Promise<Callback>; cancel: () => void } {
  let cancel = () => {}
  const promise = new Promise<Callback>((resolve, reject) => {
    const timer = setTimeout(() => {
      done()
      reject(
        new OAuthKitError('timed out waiting for the browser to return', { code: 'ERR_TIMEOUT' }),
      )
    }, timeout)
    const onAbort = () => {
      done()
      reject(abortError(signal, LOOPBACK))
    }
    const onRequest = (request: IncomingMessage, response: ServerResponse) => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1')
      if (request.method !== 'GET' || url.pathname !== callbackPath) {
        void respond(response, 404, 'not found\n', 'text/plain; charset=utf-8')
        return
      }
      if (!sameSecret(url.searchParams.get('state'), state)) {
        void respond(
          response,
          400,
          loopbackPage({
            ok: false,
            reason:
              'This response does not belong to the sign-in the terminal is waiting for (it may come from an earlier attempt)',
          }),
        )
        return
      }
      done()
      resolve({ request, response })
    }
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      server.off('request', onRequest)
      // Later requests (a reload of the page) find no handler: answer them plainly.
      server.on('request', (_request, response) => {
        void respond(response, 410, 'this sign-in has finished\n', 'text/plain; charset=utf-8')
      })
    }
    cancel = done
    server.on('request', onRequest)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
  return { promise, cancel }
}

function listen(server: Server, signal: AbortSignal | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err) =>
      reject(
        new OAuthKitError('could not start the loopback server', {
          code: 'ERR_LOOPBACK',
          cause: err,
        }),
      ),
    )
    server.listen({ port: 0, host: '127.0.0.1', signal }, () => {
      resolve((server.address() as AddressInfo).port)
    })
  })
}

function respond(
  response: ServerResponse,
  status: number,
  body: string,
  type = 'text/html; charset=utf-8',
): Promise<void> {
  return new Promise((resolve) => {
    if (response.headersSent) {
      resolve()
      return
    }
    response.writeHead(status, {
      'content-type': type,
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      connection: 'close',
    })
    response.end(body, () => resolve())
  })
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve()
      return
    }
    server.close(() => resolve())
    // Browsers keep connections alive; without this, close() would wait for them to idle out.
    server.closeAllConnections()
  })
}

function describe(err: OAuthKitError | TypeError): string {
  if (err instanceof OAuthResponseError) return `The server answered "${err.error}"`
  if (isOAuthKitError(err) && err.code === 'ERR_STATE_MISMATCH') {
    return 'The response did not belong to this sign-in'
  }
  return 'The sign-in could not be completed'
}

/** Compares a received value with ours in constant time: `state` guards the login. */
function sameSecret(received: string | null, expected: string): boolean {
  if (received === null) return false
  const digest = (value: string) => createHash('sha256').update(value).digest()
  return timingSafeEqual(digest(received), digest(expected))
}
