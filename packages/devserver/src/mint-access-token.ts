import type { KeyObject, webcrypto } from 'node:crypto'
import { invalidArgument } from './dev-server-error.js'
import { apiResourceServerInfo } from './provider-configuration.js'
import type { ProviderInstance, ProviderToken } from './provider-types.js'

/** Options for `server.mintAccessToken()`. Only `ttl` is required. */
export interface MintAccessTokenOptions {
  /**
   * Lifetime in whole seconds from now (`exp = now + ttl`, `now` in whole seconds, so the token
   * lives ttl−1 to ttl seconds). `0` or less mints a token that has already expired (`exp` in the
   * past, `iat` one second before it), so no test has to wait.
   */
  ttl: number
  /** The client the token is issued to (`client_id`); must be registered. Default `service`. */
  clientId?: string
  /**
   * The subject: a user's `sub` (for example `user-alice`), like a token from the authorization
   * code grant. Default: none, so `sub` is the client id, like a client credentials token.
   */
  sub?: string
  /** The `scope` claim, as given. Default every API scope (`api:read api:write`); `''` for none. */
  scope?: string
  /**
   * The audience (RFC 8707 resource indicator). Default `server.resource`; any other absolute URI
   * mints a token for another API, which the test API must refuse.
   */
  resource?: string
  /**
   * Encrypts the signed JWT for the resource server (nested JWE, `cty: at+jwt`, RFC 9068 §2.1):
   * `alg` (for example `RSA-OAEP-256`), `enc` (for example `A256GCM`) and the API's public `key`.
   */
  encrypt?: { alg: string; enc: string; key: KeyObject | webcrypto.CryptoKey; kid?: string }
}

/** What {@link mintAccessToken} needs from the running server. */
export interface MintInputs {
  provider: ProviderInstance
  resource: string
  apiScopes: readonly string[]
  signingAlg: string
}

const OPTION_KEYS = new Set(['ttl', 'clientId', 'sub', 'scope', 'resource', 'encrypt'])

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function nonEmptyString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value === '') {
    throw invalidArgument(name, 'must be a non-empty string')
  }
  return value
}

/**
 * Mints an RFC 9068 JWT access token through oidc-provider's own token models, signed with the
 * server's key exactly like the tokens of the grants, but with any lifetime, subject and scope.
 */
export async function mintAccessToken(
  inputs: MintInputs,
  options: MintAccessTokenOptions,
): Promise<string> {
  if (!isRecord(options as unknown)) {
    throw invalidArgument('options', 'must be an object', 'ERR_INVALID_ARG_TYPE')
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) throw invalidArgument(key, 'is not a known option')
  }
  const { ttl } = options
  if (!Number.isInteger(ttl) || Math.abs(ttl) > 31_536_000) {
    throw invalidArgument('ttl', 'must be an integer number of seconds (0 or less: expired)')
  }
  const clientId = nonEmptyString('clientId', options.clientId) ?? 'service'
  const sub = nonEmptyString('sub', options.sub)
  const scope = options.scope ?? inputs.apiScopes.join(' ')
  if (
    typeof scope !== 'string' ||
    (scope !== '' && !/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/.test(scope))
  ) {
    // RFC 6749 §3.3 scope-token syntax, space-separated.
    throw invalidArgument('scope', 'must be a space-separated list of scope tokens')
  }
  const resource = nonEmptyString('resource', options.resource) ?? inputs.resource
  const parsed = URL.parse(resource)
  if (parsed === null || parsed.hash !== '') {
    throw invalidArgument('resource', 'must be an absolute URI without a fragment')
  }
  const { encrypt } = options
  if (
    encrypt !== undefined &&
    (!isRecord(encrypt) ||
      typeof encrypt.alg !== 'string' ||
      typeof encrypt.enc !== 'string' ||
      !isRecord(encrypt.key))
  ) {
    throw invalidArgument('encrypt', 'must be { alg, enc, key } with a public or secret key')
  }

  const client = await inputs.provider.Client.find(clientId)
  if (!client) throw invalidArgument('clientId', 'must name a registered client')

  const now = Math.floor(Date.now() / 1000)
  const exp = now + ttl
  const properties = {
    client,
    scope: scope || undefined,
    iat: ttl > 0 ? now : exp - 1,
    exp,
  }
  // With a subject it is a user's access token; without, a client credentials token (sub = client).
  const token: ProviderToken =
    sub === undefined
      ? new inputs.provider.ClientCredentials(properties)
      : new inputs.provider.AccessToken({ ...properties, accountId: sub })
  const info = apiResourceServerInfo(resource, Math.max(ttl, 1), inputs.signingAlg)
  token.resourceServer = new inputs.provider.ResourceServer(resource, {
    ...info,
    scope: scope || undefined,
    jwt: encrypt ? { ...info.jwt, encrypt } : info.jwt,
  })
  try {
    return await token.save()
  } catch (error) {
    // oidc-provider checks the encryption key and algorithms only when it encrypts.
    if (encrypt) {
      throw invalidArgument('encrypt', `was refused by oidc-provider: ${(error as Error).message}`)
    }
    throw error
  }
}
