import type { ClientContext } from './client-context.js'
import { type RequestOptions, toRequestOptions } from './http-options.js'

/** oauth4webapi request options for `context`, with an optional per-call signal. */
export function requestOptionsFor(
  context: ClientContext,
  signal?: AbortSignal,
): RequestOptions & { DPoP?: ClientContext['dpop'] } {
  const options = toRequestOptions(signal ? { ...context.http, signal } : context.http)
  return context.dpop ? { ...options, DPoP: context.dpop } : options
}
