import * as oauth from 'oauth4webapi'
import { invalidArgument } from './assert.js'
import { type TokenResult, toTokenResult } from './authorization-code.js'
import { checkIdTokenOf } from './check-id-token-claims.js'
import type { ClientContext } from './client-context.js'
import { accessDenied, isOAuthKitError, OAuthKitError, OAuthResponseError } from './errors.js'
import { abortError } from './race-signal.js'
import { requestOptionsFor } from './request-options.js'
import { rethrow, toOAuthKitError } from './to-oauthkit-error.js'
import { verifyIdTokenSignature } from './verify-id-token.js'
import { withDPoPRetry } from './with-dpop-retry.js'

/**
 * A device authorization (RFC 8628 §3.2) in oauthkit's camelCase shape: what to show the user,
 * and what the client needs to poll.
 */
export interface DeviceAuthorization {
  /** The device verification code. Secret: never show or log it. */
  deviceCode: string
  /** The code the user types at {@link DeviceAuthorization.verificationUri}. */
  userCode: string
  /** Where the user goes to approve, short enough to type. */
  verificationUri: string
  /** The verification URI with the user code already in it, for links and QR codes. */
  verificationUriComplete?: string
  /** The lifetime of the codes in seconds, as the server sent it. */
  expiresIn: number
  /** When the codes expire, in epoch milliseconds, computed from `expiresIn` at receipt. */
  expiresAt: number
  /** Seconds to wait between polls: the server's `interval`, or 5 when it sent none (§3.2). */
  interval: number
}

/** Options of {@link startDeviceAuthorization}. */
export interface StartDeviceAuthorizationOptions {
  /** Space-separated scopes to request. */
  scope?: string
  /** RFC 8707 resource indicator(s). */
  resource?: string | string[]
  /** Cancels the request. */
  signal?: AbortSignal
}

/** RFC 8628 §3.2: "If no value is provided, clients MUST use 5 as the default." */
export const DEFAULT_DEVICE_POLL_INTERVAL = 5

/**
 * Starts the device authorization grant: asks the server for a device code and a user code
 * (RFC 8628 §3.1). Show the user {@link DeviceAuthorization.userCode} and
 * {@link DeviceAuthorization.verificationUri}, then call {@link pollDeviceAuthorization}.
 *
 * @throws `ERR_UNSUPPORTED` when the server has no `device_authorization_endpoint`,
 *   {@link OAuthResponseError} when it refuses the request (for example `invalid_scope`).
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.1
 */
export async function startDeviceAuthorization(
  context: ClientContext,
  options?: StartDeviceAuthorizationOptions,
): Promise<DeviceAuthorization> {
  if (options?.scope !== undefined && typeof options.scope !== 'string') {
    throw invalidArgument('options.scope', 'a string')
  }
  if (!context.metadata.device_authorization_endpoint) {
    throw new OAuthKitError('server has no device authorization endpoint', {
      code: 'ERR_UNSUPPORTED',
    })
  }
  const params = new URLSearchParams()
  if (options?.scope) params.set('scope', options.scope)
  for (const resource of [options?.resource ?? []].flat()) params.append('resource', resource)
  try {
    const response = await oauth.deviceAuthorizationRequest(
      context.metadata,
      context.client,
      context.clientAuth,
      params,
      requestOptionsFor(context, options?.signal),
    )
    const receivedAt = Date.now()
    const body = await oauth.processDeviceAuthorizationResponse(
      context.metadata,
      context.client,
      response,
    )
    // The user is sent to these URIs (a QR code, a link a CLI opens): only http(s) ones, and
    // https unless insecure requests are allowed (RFC 8628 §5.4 asks for a trusted verification page).
    checkVerificationUri(context, body.verification_uri, 'verification_uri')
    if (body.verification_uri_complete !== undefined) {
      checkVerificationUri(context, body.verification_uri_complete, 'verification_uri_complete')
    }
    const authorization: DeviceAuthorization = {
      deviceCode: body.device_code,
      userCode: body.user_code,
      verificationUri: body.verification_uri,
      expiresIn: body.expires_in,
      expiresAt: receivedAt + body.expires_in * 1000,
      interval: body.interval ?? DEFAULT_DEVICE_POLL_INTERVAL,
    }
    if (body.verification_uri_complete) {
      authorization.verificationUriComplete = body.verification_uri_complete
    }
    return authorization
  } catch (err) {
    rethrow(err)
  }
}

/** Options of {@link pollDeviceAuthorization}. */
export interface PollDeviceAuthorizationOptions {
  /**
   * Stops polling at once; the promise rejects with `ERR_ABORTED` (`ERR_TIMEOUT` when the
   * signal's reason is a `TimeoutError`, as with `AbortSignal.timeout()`).
   */
  signal?: AbortSignal
  /**
   * How many transient failures in a row (5xx, `temporarily_unavailable`, network errors,
   * timeouts) are waited out, with the wait doubling each time, before the last one is thrown.
   * Default 5.
   */
  maxTransientFailures?: number
  /** Called before each wait with the interval about to be waited, in seconds. */
  onWait?: (interval: number) => void
}

/**
 * Polls the token endpoint until the user has approved or denied the device authorization, or
 * its codes expire (RFC 8628 §3.4, §3.5). Waits `interval` seconds before every request, and adds
 * 5 seconds for this and every later request on `slow_down`. A transient failure (5xx,
 * `temporarily_unavailable`, a network error) doubles the wait, as §3.5 asks for connection
 * timeouts, and polling resumes at the normal pace after the next answer.
 *
 * @throws {@link OAuthResponseError} `ERR_ACCESS_DENIED` when the user denied the request,
 *   `ERR_DEVICE_CODE_EXPIRED` (an {@link OAuthResponseError} for `expired_token`, a plain
 *   {@link OAuthKitError} when the lifetime ran out locally), `ERR_ABORTED` when `signal` fires,
 *   any other {@link OAuthResponseError} the server sends.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 */
export async function pollDeviceAuthorization(
  context: ClientContext,
  authorization: DeviceAuthorization,
  options?: PollDeviceAuthorizationOptions,
): Promise<TokenResult> {
  if (typeof authorization?.deviceCode !== 'string' || authorization.deviceCode.length === 0) {
    throw invalidArgument('authorization.deviceCode', 'a non-empty string')
  }
  if (!(authorization.interval >= 0) || !Number.isFinite(authorization.expiresAt)) {
    throw invalidArgument('authorization', 'a DeviceAuthorization', 'ERR_INVALID_ARG_VALUE')
  }
  const signal = options?.signal
  const maxTransientFailures = options?.maxTransientFailures ?? 5
  let interval = authorization.interval
  let transientFailures = 0
  for (;;) {
    const wait = interval * 2 ** transientFailures
    // Never sleep past the codes' lifetime: polling after it is pointless (§3.5 expired_token).
    const remaining = authorization.expiresAt - Date.now()
    if (remaining <= 0) throw expired()
    options?.onWait?.(wait)
    await sleep(Math.min(wait * 1000, remaining), signal)
    if (Date.now() >= authorization.expiresAt) throw expired()
    try {
      return await requestToken(context, authorization.deviceCode, signal)
    } catch (err) {
      if (signal?.aborted) throw aborted(signal)
      const mapped = toOAuthKitError(err)
      const error = (mapped as { error?: unknown }).error
      if (error === 'authorization_pending') {
        transientFailures = 0
        continue
      }
      if (error === 'slow_down') {
        transientFailures = 0
        interval += 5
        continue
      }
      if (isTransient(mapped) && ++transientFailures <= maxTransientFailures) continue
      // A server that deletes a device code when it expires answers a poll that crosses that
      // moment with invalid_grant ("not found"), not expired_token; its clock started before ours.
      if (error === 'invalid_grant' && Date.now() >= authorization.expiresAt - EXPIRY_SLACK) {
        throw expired()
      }
      throw classify(mapped)
    }
  }
}

async function requestToken(
  context: ClientContext,
  deviceCode: string,
  signal: AbortSignal | undefined,
): Promise<TokenResult> {
  // The nonce demand surfaces while processing the response: retry both together. A 5xx
  // surfaces there too, and toOAuthKitError makes it ERR_SERVER, which polling waits out.
  const { response, body } = await withDPoPRetry(context, async () => {
    const response = await oauth.deviceCodeGrantRequest(
      context.metadata,
      context.client,
      context.clientAuth,
      deviceCode,
      requestOptionsFor(context, signal),
    )
    const body = await oauth.processDeviceCodeResponse(context.metadata, context.client, response)
    return { response, body }
  })
  await checkIdTokenOf(context, body)
  await verifyIdTokenSignature(context, response, body, signal)
  return toTokenResult(body)
}

function checkVerificationUri(context: ClientContext, value: unknown, name: string): void {
  let url: URL | undefined
  try {
    if (typeof value === 'string') url = new URL(value)
  } catch {}
  const allowed =
    url?.protocol === 'https:' ||
    (url?.protocol === 'http:' && context.http?.allowInsecureRequests === true)
  if (!allowed) {
    throw new OAuthKitError(`device authorization response "${name}" is not an https: URL`, {
      code: 'ERR_INVALID_RESPONSE',
    })
  }
}

function isTransient(err: OAuthKitError | TypeError): boolean {
  if (!isOAuthKitError(err)) return false
  if (err instanceof OAuthResponseError) {
    return err.error === 'temporarily_unavailable' || (err.status ?? 0) >= 500
  }
  return err.code === 'ERR_SERVER' || err.code === 'ERR_NETWORK' || err.code === 'ERR_TIMEOUT'
}

function classify(err: OAuthKitError | TypeError): OAuthKitError | TypeError {
  if (!(err instanceof OAuthResponseError)) return err
  if (err.error === 'expired_token') {
    return new OAuthResponseError('the device code expired before the user approved it', {
      error: err.error,
      error_description: err.error_description,
      status: err.status,
      code: 'ERR_DEVICE_CODE_EXPIRED',
      cause: err,
    })
  }
  return accessDenied(err, 'the user denied the device authorization request')
}

// Milliseconds before our computed expiry within which an invalid_grant counts as expiry: the
// server's lifetime started when it issued the code, before we received the response.
const EXPIRY_SLACK = 2_000

function expired(): OAuthKitError {
  return new OAuthKitError('the device code expired before the user approved it', {
    code: 'ERR_DEVICE_CODE_EXPIRED',
  })
}

function aborted(signal: AbortSignal | undefined): OAuthKitError {
  return abortError(signal, 'device authorization polling')
}

// A timer that the signal clears: after an abort nothing is left scheduled.
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(aborted(signal))
      return
    }
    const onAbort = () => {
      clearTimeout(timer)
      reject(aborted(signal))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
