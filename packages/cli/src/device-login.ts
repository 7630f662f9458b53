import { pollDeviceAuthorization, startDeviceAuthorization, type TokenSet } from '@oauthkit/core'
import { abortError, invalidArgument } from '@oauthkit/core/internal'
import {
  assertConnectionOptions,
  assertOptionalFunction,
  assertResource,
  assertScope,
  assertSignal,
  type ConnectionOptions,
  connect,
} from './connect.js'

/** What the user must be told to approve a device login (RFC 8628 §3.3). */
export interface DevicePrompt {
  /** The code the user enters at {@link DevicePrompt.verificationUri}. */
  userCode: string
  /** Where the user approves; short enough to type. */
  verificationUri: string
  /** The verification URI with the code already filled in, for a link or a QR code. */
  verificationUriComplete?: string
  /** Seconds the code stays valid, as the server sent it. */
  expiresIn: number
  /** When the code expires, in epoch milliseconds. */
  expiresAt: number
}

/** Options of {@link deviceLogin}. */
export interface DeviceLoginOptions extends ConnectionOptions {
  /** Space-separated scopes, for example `openid offline_access`. */
  scope: string
  /**
   * Shows the user what to do. Polling starts once it returns (or its promise resolves); if it
   * throws, the login stops with that error.
   */
  onPrompt: (prompt: DevicePrompt) => void | Promise<void>
  /** Stops the login at once, polling included; the promise rejects with `ERR_ABORTED`. */
  signal?: AbortSignal
  /** RFC 8707 resource indicator(s). */
  resource?: string | string[]
  /** Called before each wait with the polling interval in seconds (it grows on `slow_down`). */
  onWait?: (interval: number) => void
}

/**
 * Logs in with the device authorization grant (RFC 8628), for terminals and devices without a
 * browser: requests a device code, hands `onPrompt` the user code and verification URI, then
 * polls the token endpoint at the server's `interval` (5 s when it sends none), 5 s slower after
 * each `slow_down`, until the user approves or denies or the code expires.
 *
 * @returns The tokens, the ID Token validated when `scope` includes `openid`.
 * @throws `TypeError` (`ERR_INVALID_ARG_*`) for bad options, before any request;
 *   `ERR_ACCESS_DENIED` when the user denies; `ERR_DEVICE_CODE_EXPIRED` when the code expires;
 *   `ERR_ABORTED` when `signal` fires; `ERR_UNSUPPORTED` when the server has no device endpoint;
 *   other {@link OAuthKitError}s for network and protocol failures.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3
 * @example
 * ```ts
 * const tokenSet = await deviceLogin({
 *   issuer: 'https://as.example.com',
 *   clientId: 'my-cli',
 *   scope: 'openid offline_access',
 *   onPrompt: ({ verificationUri, userCode }) =>
 *     console.error(`Open ${verificationUri} and enter ${userCode}`),
 * })
 * ```
 */
export async function deviceLogin(options: DeviceLoginOptions): Promise<TokenSet> {
  assertConnectionOptions(options)
  assertScope(options.scope)
  if (typeof options.onPrompt !== 'function') {
    throw invalidArgument('options.onPrompt', 'a function')
  }
  assertOptionalFunction(options.onWait, 'options.onWait')
  assertResource(options.resource)
  assertSignal(options.signal)
  const { signal } = options
  if (signal?.aborted) throw abortError(signal, 'device login')
  const context = await connect(options, signal)
  const authorization = await startDeviceAuthorization(context, {
    scope: options.scope,
    ...(options.resource === undefined ? {} : { resource: options.resource }),
    ...(signal ? { signal } : {}),
  })
  const prompt: DevicePrompt = {
    userCode: authorization.userCode,
    verificationUri: authorization.verificationUri,
    expiresIn: authorization.expiresIn,
    expiresAt: authorization.expiresAt,
  }
  if (authorization.verificationUriComplete) {
    prompt.verificationUriComplete = authorization.verificationUriComplete
  }
  await options.onPrompt(prompt)
  const { tokenSet } = await pollDeviceAuthorization(context, authorization, {
    ...(signal ? { signal } : {}),
    ...(options.onWait ? { onWait: options.onWait } : {}),
  })
  return tokenSet
}
