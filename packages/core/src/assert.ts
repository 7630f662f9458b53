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

/**
 * Parses `value` as an absolute URL, or throws naming `name`. Accepts a `URL` or a string.
 */
export function toUrl(value: unknown, name: string): URL {
  if (value instanceof URL) return new URL(value.href)
  if (typeof value !== 'string' || value.length === 0) throw invalidArgument(name, 'a URL')
  try {
    return new URL(value)
  } catch {
    throw invalidArgument(name, 'an absolute URL', 'ERR_INVALID_ARG_VALUE')
  }
}
