/**
 * Error codes used by {@link DevServerError}.
 *
 * - `ERR_PORT_IN_USE`: the requested port is taken (EADDRINUSE).
 * - `ERR_LISTEN_FAILED`: the server could not listen for another reason (EACCES, EADDRNOTAVAIL...).
 * - `ERR_INVALID_CLIENT_METADATA`: a client in the configuration was refused by oidc-provider.
 * - `ERR_LOGIN_FAILED`: a headless helper could not complete an interaction.
 * - `ERR_DEVICE_CODE_NOT_FOUND`: `approveDevice`/`denyDevice` got an unknown or expired user code.
 * - `ERR_SERVER_CLOSED`: the server was used after `close()`.
 */
export type DevServerErrorCode =
  | 'ERR_PORT_IN_USE'
  | 'ERR_LISTEN_FAILED'
  | 'ERR_INVALID_CLIENT_METADATA'
  | 'ERR_LOGIN_FAILED'
  | 'ERR_DEVICE_CODE_NOT_FOUND'
  | 'ERR_SERVER_CLOSED'

/**
 * An operational failure of the development authorization server, with a stable `code` to branch
 * on and the original error (for example the `EADDRINUSE` error from `node:net`) as `cause`.
 * Bad arguments are reported as a `TypeError` with `code` `ERR_INVALID_ARG_VALUE` instead.
 */
export class DevServerError extends Error {
  /** Stable machine-readable code. */
  readonly code: DevServerErrorCode

  constructor(code: DevServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'DevServerError'
    this.code = code
  }
}

/** A `TypeError` carrying a Node-style `code`, as thrown for invalid options. */
export interface InvalidArgumentError extends TypeError {
  /** `ERR_INVALID_ARG_VALUE` or `ERR_INVALID_ARG_TYPE`. */
  code: 'ERR_INVALID_ARG_VALUE' | 'ERR_INVALID_ARG_TYPE'
}

/**
 * Builds the `TypeError` thrown for a bad option. The message names the option, never its value,
 * because values may be secrets or keys.
 */
export function invalidArgument(
  name: string,
  expectation: string,
  code: InvalidArgumentError['code'] = 'ERR_INVALID_ARG_VALUE',
): InvalidArgumentError {
  const error = new TypeError(`the "${name}" option ${expectation}`) as InvalidArgumentError
  error.code = code
  return error
}
