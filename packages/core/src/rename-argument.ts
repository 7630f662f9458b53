/**
 * Renames the parameter in a core argument error (`"options.maxAge"`, `"keys[0]"`) to the name
 * the caller used for it here (`"jwksCache.maxAge"`, `"decryptionKeys[0]"`). Any other error is
 * returned untouched.
 */
export function renameArgument(err: unknown, from: string, to: string): unknown {
  const code = (err as { code?: unknown } | null)?.code
  if (
    err instanceof TypeError &&
    (code === 'ERR_INVALID_ARG_TYPE' || code === 'ERR_INVALID_ARG_VALUE')
  ) {
    err.message = err.message.replace(from, to)
  }
  return err
}
