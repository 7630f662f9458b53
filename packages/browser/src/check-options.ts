import { assertIssuer, invalidArgument, toUrl } from '@oauthkit/core/internal'
import type { BrowserClientOptions } from './browser-client.js'

type Options = Record<string, unknown>

function checkObject(value: unknown): asserts value is Options {
  if (typeof value !== 'object' || value === null) throw invalidArgument('options', 'an object')
}

// Each of `names` a non-empty string; `optional` ones may be absent.
function checkStrings(options: Options, names: string[], optional?: boolean): void {
  for (const name of names) {
    const value = options[name]
    if (optional && value === undefined) continue
    if (typeof value !== 'string' || value === '') {
      throw invalidArgument(`options.${name}`, 'a non-empty string')
    }
  }
}

// The seams an app may replace: [option, the method it must have ('' for a function), what it must be].
const SEAMS = [
  ['store', 'get', 'a KeyValueStore'],
  ['fetch', '', 'a function'],
  ['navigate', '', 'a function'],
  ['dpop', 'keys', 'the result of dpop() from @oauthkit/browser/dpop'],
] as const

/**
 * Checks the options of `createBrowserClient` before anything else happens.
 *
 * @throws `TypeError` (`ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE`) naming the bad option.
 */
export function checkOptions(options: BrowserClientOptions): void {
  checkObject(options)
  // As the README promises and node does: an http: issuer is refused here, before any I/O,
  // not by the first login's discovery.
  assertIssuer(options.issuer, {
    allowInsecureRequests: options.allowInsecureRequests === true,
    name: 'options.issuer',
  })
  checkStrings(options, ['clientId', 'scope'])
  toUrl(options.redirectUri, 'options.redirectUri')
  for (const uri of [options.resource ?? []].flat()) toUrl(uri, 'options.resource')
  for (const origin of options.allowedOrigins ?? []) toUrl(origin, 'options.allowedOrigins')
  for (const [name, method, expected] of SEAMS) {
    const value = (options as Options)[name] as Options | undefined
    if (value !== undefined && typeof (method ? value?.[method] : value) !== 'function') {
      throw invalidArgument(`options.${name}`, expected)
    }
  }
}

/**
 * Checks the options of `BrowserClient.login`, before any I/O.
 *
 * @throws `TypeError` naming the bad option.
 */
export function checkLoginOptions(options: unknown): void {
  checkObject(options)
  checkStrings(options, ['scope', 'prompt', 'loginHint', 'returnTo'], true)
}

/**
 * The origins `BrowserClient.fetch` may send the access token to: `allowedOrigins`, or else the
 * page's origin and those of `resource` (RFC 8707), so a token never reaches a third party.
 */
export function allowedOrigins(options: BrowserClientOptions): string[] {
  if (options.allowedOrigins) return options.allowedOrigins.map((origin) => new URL(origin).origin)
  const resources = [options.resource ?? []].flat().map((uri) => new URL(uri).origin)
  return typeof location === 'object' ? [location.origin, ...resources] : resources
}
