import type { ProviderInstance } from './provider-types.js'

/** A provider error event kept by `server.errors()` (see oidc-provider's events). */
export interface DevServerErrorEvent {
  /**
   * Event name, for example `grant.error`, `authorization.error`, `server_error`, or
   * `onRequest.error` when the `onRequest` option threw.
   */
  event: string
  /** OAuth error code (RFC 6749 §5.2), for example `invalid_grant`, or the error name. */
  error: string
  /** The generic `error_description` sent to the client. */
  description?: string
  /** The specific reason oidc-provider keeps out of responses (`error_detail`). */
  detail?: string
  /** Request path. */
  path?: string
  /** Epoch milliseconds. */
  at: number
}

// oidc-provider's error events; each listener gets (ctx, error), or (error) for some.
const ERROR_EVENTS = [
  'authorization.error',
  'backchannel.error',
  'jwks.error',
  'discovery.error',
  'end_session.error',
  'grant.error',
  'introspection.error',
  'pushed_authorization_request.error',
  'registration_create.error',
  'revocation.error',
  'userinfo.error',
  'device_authorization.error',
  'code_verification.error',
  'server_error',
]

/** Keeps the last {@link ErrorEventLog.LIMIT} error events behind `server.errors()`. */
export class ErrorEventLog {
  #entries: DevServerErrorEvent[] = []
  readonly #debug: boolean

  static readonly LIMIT = 100

  /** `debug: true` also prints every event to stderr. */
  constructor(options: { debug: boolean }) {
    this.#debug = options.debug
  }

  /** Records every oidc-provider error event of `provider`. */
  listenTo(provider: ProviderInstance): void {
    for (const event of ERROR_EVENTS) {
      provider.on(event, (...args: unknown[]) => {
        const ctx = args[0] as { path?: string } | undefined
        const error = (args[1] ?? args[0]) as Record<string, unknown>
        const entry: DevServerErrorEvent = {
          event,
          error: String(error?.error ?? error?.name ?? 'error'),
          at: Date.now(),
        }
        if (typeof error?.error_description === 'string') {
          entry.description = error.error_description
        }
        if (typeof error?.error_detail === 'string') entry.detail = error.error_detail
        else if (event === 'server_error' && typeof error?.message === 'string') {
          entry.detail = error.message
        }
        if (typeof ctx?.path === 'string') entry.path = ctx.path
        this.add(entry)
      })
    }
  }

  /** Records one event (and prints it under `debug`). */
  add(entry: DevServerErrorEvent): void {
    this.#entries.push(entry)
    if (this.#entries.length > ErrorEventLog.LIMIT) this.#entries.shift()
    if (this.#debug) {
      process.stderr.write(
        `[oauthkit-devserver] ${entry.event} ${entry.error}${entry.detail ? `: ${entry.detail}` : ''}${entry.path ? ` (${entry.path})` : ''}\n`,
      )
    }
  }

  /** A copy of the recorded events, oldest first. */
  entries(): DevServerErrorEvent[] {
    return [...this.#entries]
  }
}
