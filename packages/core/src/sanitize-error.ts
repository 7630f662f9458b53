/**
 * A copy of `err` that keeps its name, code and message and drops everything else (response
 * bodies, `Response` objects, URL parameters). Follows `cause` a few levels deep.
 *
 * @internal
 */
export function sanitizeError(err: unknown, depth = 0): Error | undefined {
  if (!(err instanceof Error || err instanceof DOMException)) return undefined
  const cause = depth < 3 ? sanitizeError((err as { cause?: unknown }).cause, depth + 1) : undefined
  const copy = new Error(err.message, cause ? { cause } : undefined)
  copy.name = err.name
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string') (copy as Error & { code: string }).code = code
  return copy
}
