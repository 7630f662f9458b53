import type { ServerMetadata } from '@oauthkit/core'
import { invalidArgument } from '@oauthkit/core/internal'

/**
 * Checks a `metadata` option (server metadata given instead of discovered, RFC 8414 §2): an
 * object whose `issuer` is exactly the client's issuer (as discovery would require; a string
 * `issuer` option is compared as written, a `URL` by its `href`), whose endpoints and `jwks_uri`,
 * when present, are absolute URLs, and which has each member of `required`.
 *
 * @throws `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` naming `metadata` or the member.
 */
export function assertMetadata(
  value: unknown,
  issuer: string,
  required: readonly string[] = [],
): asserts value is ServerMetadata {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidArgument('metadata', 'an object (authorization server metadata)')
  }
  const metadata = value as Record<string, unknown>
  if (typeof metadata.issuer !== 'string') throw invalidArgument('metadata.issuer', 'a string')
  if (metadata.issuer !== issuer) {
    throw invalidArgument('metadata.issuer', 'the "issuer" option', 'ERR_INVALID_ARG_VALUE')
  }
  for (const name of required) {
    if (metadata[name] === undefined) throw invalidArgument(`metadata.${name}`, 'set')
  }
  for (const [name, member] of Object.entries(metadata)) {
    if (!(name.endsWith('_endpoint') || name === 'jwks_uri') || member === undefined) continue
    if (typeof member !== 'string') throw invalidArgument(`metadata.${name}`, 'a URL string')
    if (!URL.canParse(member)) {
      throw invalidArgument(`metadata.${name}`, 'an absolute URL', 'ERR_INVALID_ARG_VALUE')
    }
  }
}
