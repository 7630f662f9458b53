import type { HttpOptions } from '@oauthkit/core'
import {
  toHttpOptions as coreToHttpOptions,
  type FlatHttpOptions,
  invalidArgument,
} from '@oauthkit/core/internal'

// AbortSignal.timeout() takes whole milliseconds up to 2^31 - 1: a larger delay overflows Node's
// timer and fires after 1 ms (every request would time out), a fraction throws a RangeError at
// request time.
const MAX_TIMEOUT = 2 ** 31 - 1

/**
 * Core's {@link coreToHttpOptions} (checks and picks `fetch`, `timeout`, `maxResponseBytes`,
 * `allowInsecureRequests`), with `timeout` also held to what `AbortSignal.timeout()` accepts.
 *
 * @throws `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` naming the option.
 */
export function toHttpOptions(options: FlatHttpOptions): HttpOptions {
  const { timeout } = options
  if (typeof timeout === 'number' && !(Number.isInteger(timeout) && timeout <= MAX_TIMEOUT)) {
    throw invalidArgument(
      'timeout',
      `a whole number of milliseconds from 1 to ${MAX_TIMEOUT}`,
      'ERR_INVALID_ARG_VALUE',
    )
  }
  return coreToHttpOptions(options)
}
