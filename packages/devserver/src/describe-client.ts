import type { JsonWebKey } from 'node:crypto'
import { CLIENT_DESCRIPTIONS, type DevServerClient } from './default-clients.js'
import type { ClientMetadata, RequirePkce } from './dev-server-options.js'

/** Inputs for {@link describeClient} beyond the client's own metadata. */
export interface DescribeClientInputs {
  /** The private key of a `private_key_jwt` client, when the dev server generated it. */
  privateJwk?: JsonWebKey
  /** The private decryption key of a client registered for encryption, when generated here. */
  decryptionJwk?: JsonWebKey
  /** The server's PKCE policy, which the description mentions when PKCE is optional. */
  requirePkce: RequirePkce
}

const strings = (value: unknown, fallback: string[]): string[] =>
  Array.isArray(value) ? (value as string[]) : fallback

/** Describes a registered client as exposed on `server.clients` and printed by the command. */
export function describeClient(
  id: string,
  metadata: ClientMetadata,
  inputs: DescribeClientInputs,
): DevServerClient {
  const method =
    typeof metadata.token_endpoint_auth_method === 'string'
      ? metadata.token_endpoint_auth_method
      : 'client_secret_basic'
  const grantTypes = strings(metadata.grant_types, ['authorization_code'])
  let description = CLIENT_DESCRIPTIONS[id] ?? 'custom client'
  if (
    inputs.requirePkce === 'public-clients' &&
    method !== 'none' &&
    grantTypes.includes('authorization_code')
  ) {
    description += ' (PKCE optional)'
  }
  const client: DevServerClient = {
    clientId: id,
    redirectUris: strings(metadata.redirect_uris, []),
    postLogoutRedirectUris: strings(metadata.post_logout_redirect_uris, []),
    grantTypes,
    responseTypes: strings(metadata.response_types, ['code']),
    tokenEndpointAuthMethod: method,
    description,
    metadata,
  }
  if (typeof metadata.client_secret === 'string') client.clientSecret = metadata.client_secret
  if (inputs.privateJwk && method === 'private_key_jwt') client.privateJwk = inputs.privateJwk
  if (inputs.decryptionJwk) client.decryptionJwk = inputs.decryptionJwk
  return client
}

/**
 * Describes every registered client, keyed by client id. `privateJwks` holds the private keys the
 * dev server generated, by client id (`web-jwt`).
 */
export function describeClients(
  clients: Record<string, ClientMetadata>,
  inputs: {
    requirePkce: RequirePkce
    privateJwks: Record<string, JsonWebKey>
    decryptionJwks?: Record<string, JsonWebKey>
  },
): Record<string, DevServerClient> {
  const described: Record<string, DevServerClient> = {}
  for (const [id, metadata] of Object.entries(clients)) {
    const privateJwk = inputs.privateJwks[id]
    const decryptionJwk = inputs.decryptionJwks?.[id]
    described[id] = describeClient(id, metadata, {
      requirePkce: inputs.requirePkce,
      ...(privateJwk ? { privateJwk } : {}),
      ...(decryptionJwk ? { decryptionJwk } : {}),
    })
  }
  return described
}
