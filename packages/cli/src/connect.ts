import {
  type ClientContext,
  createClientContext,
  discover,
  type HttpOptions,
  invalidArgument,
} from '@oauthkit/core'

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
  options: ConnectionOptions,
  signal?: AbortSignal,
): Promise<ClientContext> {
  const http: HttpOptions = {}
  if (options.allowInsecureRequests === true) http.allowInsecureRequests = true
  if (options.fetch) http.fetch = options.fetch
  const metadata = await discover(options.issuer, signal ? { ...http, signal } : http)
  return createClientContext({ metadata, clientId: options.clientId, http })
}

/** Checks the options every function shares, before any I/O. Internal. */
export function assertConnectionOptions(options: unknown, name = 'options'): void {
  if (typeof options !== 'object' || options === null) throw invalidArgument(name, 'an object')
  const { issuer, clientId, fetch } = options as Partial<ConnectionOptions>
  if (!(issuer instanceof URL) && (typeof issuer !== 'string' || issuer.length === 0)) {
    throw invalidArgument(`${name}.issuer`, 'a URL')
  }
  if (typeof clientId !== 'string' || clientId.length === 0) {
    throw invalidArgument(`${name}.clientId`, 'a non-empty string')
  }
  if (fetch !== undefined && typeof fetch !== 'function') {
    throw invalidArgument(`${name}.fetch`, 'a function')
  }
}

/** Throws unless `scope` is a non-empty string. Internal. */
export function assertScope(scope: unknown, name = 'options.scope'): void {
  if (typeof scope !== 'string' || scope.trim().length === 0) {
    throw invalidArgument(name, 'a non-empty string of space-separated scopes')
  }
}
