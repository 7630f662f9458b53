import { type ClientContext, createClientContext, discover } from '@oauthkit/core'
import { assertIssuer, invalidArgument, toHttpOptions } from '@oauthkit/core/internal'

/** Where to log in, and how to reach the server. Shared by every function of this package. */
export interface ConnectionOptions {
  /** The issuer identifier of the authorization server (RFC 8414 §2). */
  issuer: string | URL
  /** The client identifier of this (public, native) client (RFC 6749 §2.2). */
  clientId: string
  /**
   * Allows an `http:` issuer, such as a local development server. Lowers security: only for
   * local development and tests.
   * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.6
   */
  allowInsecureRequests?: boolean
  /** A Fetch API implementation; defaults to the global `fetch`. */
  fetch?: typeof fetch
}

/**
 * Discovers the issuer and builds the client context for a public client. Internal: the
 * package's functions call it, so callers only ever pass plain options.
 */
export async function connect(
  options: ConnectionOptions & { timeout?: number | undefined },
  signal?: AbortSignal,
): Promise<ClientContext> {
  const http = toHttpOptions({
    fetch: options.fetch,
    allowInsecureRequests: options.allowInsecureRequests === true,
    timeout: options.timeout,
  })
  const metadata = await discover(options.issuer, signal ? { ...http, signal } : http)
  return createClientContext({ metadata, clientId: options.clientId, http })
}

/** Checks the options every function shares, before any I/O. Internal. */
export function assertConnectionOptions(options: unknown, name = 'options'): void {
  if (typeof options !== 'object' || options === null) throw invalidArgument(name, 'an object')
  const { issuer, clientId, fetch, allowInsecureRequests } = options as Partial<ConnectionOptions>
  // Checks the types of `fetch` and `allowInsecureRequests`; connect() builds the options itself.
  toHttpOptions({ fetch, allowInsecureRequests }, name)
  assertIssuer(issuer, {
    allowInsecureRequests: allowInsecureRequests === true,
    name: `${name}.issuer`,
  })
  if (typeof clientId !== 'string' || clientId.length === 0) {
    throw invalidArgument(`${name}.clientId`, 'a non-empty string')
  }
}

/** Throws unless `scope` is a non-empty string. Internal. */
export function assertScope(scope: unknown, name = 'options.scope'): void {
  if (typeof scope !== 'string' || scope.trim().length === 0) {
    throw invalidArgument(name, 'a non-empty string of space-separated scopes')
  }
}

/**
 * Throws unless `resource` is undefined, or one or more absolute URIs without a fragment
 * (RFC 8707 §2). Internal.
 */
export function assertResource(resource: unknown, name = 'options.resource'): void {
  if (resource === undefined) return
  const values = Array.isArray(resource) ? resource : [resource]
  if (values.length === 0 || values.some((value) => typeof value !== 'string')) {
    throw invalidArgument(name, 'a URI or a non-empty array of URIs')
  }
  for (const value of values as string[]) {
    const url = URL.parse(value)
    if (url === null || url.hash !== '' || value.includes('#')) {
      throw invalidArgument(name, 'absolute URIs without a fragment', 'ERR_INVALID_ARG_VALUE')
    }
  }
}

/** Throws unless `value` is undefined or a function. Internal. */
export function assertOptionalFunction(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== 'function') throw invalidArgument(name, 'a function')
}

/** Throws unless `signal` is undefined or an `AbortSignal`. Internal. */
export function assertSignal(signal: unknown, name = 'options.signal'): void {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw invalidArgument(name, 'an AbortSignal')
  }
}
