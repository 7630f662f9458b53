/** A programmer error: an argument of the wrong type or value, thrown before any I/O. */
export interface ArgumentError extends TypeError {
  code: 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE'
}

/**
 * Builds the `TypeError` thrown for a bad argument. The message names the parameter and what it
 * should be, never the value it had: a value may be a secret.
 */
export function invalidArgument(
  name: string,
  expected: string,
  code: ArgumentError['code'] = 'ERR_INVALID_ARG_TYPE',
): ArgumentError {
  const err = new TypeError(`"${name}" must be ${expected}`) as ArgumentError
  err.code = code
  return err
}

/** Throws unless `value` is a non-empty string. */
export function assertString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw invalidArgument(name, 'a non-empty string')
  }
}

/** Throws unless `value` has the `get`, `set` and `delete` of a store. */
export function assertStore(value: unknown, name: string): void {
  const store = value as Record<'get' | 'set' | 'delete', unknown> | null
  if (
    typeof store !== 'object' ||
    store === null ||
    typeof store.get !== 'function' ||
    typeof store.set !== 'function' ||
    typeof store.delete !== 'function'
  ) {
    throw invalidArgument(name, 'a store with get, set and delete')
  }
}

/**
 * Parses `value` as an absolute URL, or throws naming `name`. Accepts a `URL` or a string.
 *
 * @throws `TypeError` `ERR_INVALID_ARG_TYPE` (neither a string nor a `URL`) or
 *   `ERR_INVALID_ARG_VALUE` (a string that is not an absolute URL, the empty string included:
 *   it has the right type and a bad value).
 */
export function toUrl(value: unknown, name: string): URL {
  if (value instanceof URL) return new URL(value.href)
  if (typeof value !== 'string') throw invalidArgument(name, 'a URL')
  try {
    return new URL(value)
  } catch {
    throw invalidArgument(name, 'an absolute URL', 'ERR_INVALID_ARG_VALUE')
  }
}

/** Options of {@link assertIssuer}. */
export interface AssertIssuerOptions {
  /** Accepts an `http:` issuer. Lowers security: local development and tests only. */
  allowInsecureRequests?: boolean | undefined
  /** The parameter name in error messages. Default `issuer`. */
  name?: string | undefined
}

/**
 * Checks an issuer identifier before any I/O and returns it parsed: an absolute `https:` URL
 * without query or fragment (RFC 8414 §2), or `http:` with `allowInsecureRequests`. A string or
 * a `URL`; a `URL` is copied. Pass the issuer as given, not this URL, to `discover()`: a
 * string issuer is compared character for character.
 *
 * On `@oauthkit/core/internal`: no semver promise.
 *
 * @throws `TypeError` `ERR_INVALID_ARG_TYPE` (not a string or `URL`) or `ERR_INVALID_ARG_VALUE`
 *   (empty, not absolute, a query or fragment, another scheme), naming `name` and never the value.
 */
export function assertIssuer(issuer: unknown, options?: AssertIssuerOptions): URL {
  const name = options?.name ?? 'issuer'
  const url = toUrl(issuer, name)
  if (url.search !== '' || url.hash !== '' || /[?#]/.test(String(issuer))) {
    throw invalidArgument(name, 'a URL without query or fragment', 'ERR_INVALID_ARG_VALUE')
  }
  const { protocol } = url
  if (protocol === 'http:' && options?.allowInsecureRequests !== true) {
    throw invalidArgument(
      name,
      'an https: URL (an http: issuer needs allowInsecureRequests: true, for local development only)',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw invalidArgument(name, 'an https: URL', 'ERR_INVALID_ARG_VALUE')
  }
  return url
}
