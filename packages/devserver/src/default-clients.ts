import type { JsonWebKey } from 'node:crypto'
import type { ClientMetadata } from './dev-server-options.js'

/** A client as exposed on `server.clients`. */
export interface DevServerClient {
  /** `client_id`. */
  clientId: string
  /** `client_secret`, for `client_secret_basic`/`client_secret_post` clients. */
  clientSecret?: string
  /** Private key for `private_key_jwt` (RFC 7523 §2.2), usable with oauth4webapi's `PrivateKeyJwt`. */
  privateJwk?: JsonWebKey
  /**
   * Private key (ECDH-ES, P-256) that what the server encrypts for this client opens with: ID
   * Tokens, JWT UserInfo and introspection responses (OIDC Core §10.2, RFC 9701). `web-encrypted`.
   */
  decryptionJwk?: JsonWebKey
  /** Registered redirect URIs. */
  redirectUris: string[]
  /** Registered post-logout redirect URIs (OIDC RP-Initiated Logout §3). */
  postLogoutRedirectUris: string[]
  /** Allowed grant types. */
  grantTypes: string[]
  /** Allowed response types. */
  responseTypes: string[]
  /** `token_endpoint_auth_method` (RFC 7591 §2). */
  tokenEndpointAuthMethod: string
  /** What the client demonstrates. */
  description: string
  /** The full metadata given to oidc-provider. */
  metadata: ClientMetadata
}

/** Inputs the built-in clients depend on. */
export interface DefaultClientInputs {
  redirectUris: string[]
  postLogoutRedirectUris: string[]
  webJwtPublicJwk: JsonWebKey
  /** The public half of `web-encrypted`'s decryption key (ECDH-ES). */
  webEncryptedPublicJwk: JsonWebKey
  /** The server's signing algorithm, which signs the JWT responses `web-encrypted` asks for. */
  signingAlg: string
}

const CODE = ['authorization_code', 'refresh_token']
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code'

/** Client descriptions, printed by the command and listed in the README. */
export const CLIENT_DESCRIPTIONS: Readonly<Record<string, string>> = Object.freeze({
  spa: 'public SPA: authorization code + PKCE S256, refresh tokens rotate on every use',
  'spa-par': 'public SPA that must use PAR (RFC 9126)',
  web: 'confidential web app: client_secret_basic, authorization code, refresh tokens',
  'web-jwt': 'confidential web app: private_key_jwt (ES256), code, refresh tokens',
  'web-encrypted':
    'confidential web app receiving encrypted ID Tokens, UserInfo and introspection (ECDH-ES, A256GCM)',
  cli: 'public native app: code + PKCE, loopback redirect on any port (RFC 8252)',
  service: 'machine to machine: client credentials, client_secret_basic',
  'service-post': 'machine to machine: client credentials, client_secret_post',
  device: 'public device: device authorization grant (RFC 8628), refresh tokens',
  implicit: "implicit for comparison: response_type 'id_token token' (plain 'token' is gone)",
  legacy: 'legacy confidential client: resource owner password grant, refresh tokens',
})

/** Builds the built-in client metadata, keyed by client id. */
export function defaultClients(inputs: DefaultClientInputs): Record<string, ClientMetadata> {
  const browser = {
    redirect_uris: inputs.redirectUris,
    post_logout_redirect_uris: inputs.postLogoutRedirectUris,
  }
  // Implicit only works for native clients over http loopback (research §5f), so only loopback
  // redirect URIs are kept for it.
  const loopbackOnly = (uris: string[]): string[] =>
    uris.filter((uri) => /^http:\/\/(127\.0\.0\.1|\[::1\]|localhost)(:\d+)?\//.test(uri))
  const implicitRedirects = loopbackOnly(inputs.redirectUris)
  return {
    spa: {
      ...browser,
      client_name: 'Single-page app',
      token_endpoint_auth_method: 'none',
      grant_types: CODE,
      response_types: ['code'],
    },
    'spa-par': {
      ...browser,
      client_name: 'Single-page app (PAR required)',
      token_endpoint_auth_method: 'none',
      grant_types: CODE,
      response_types: ['code'],
      require_pushed_authorization_requests: true,
    },
    web: {
      ...browser,
      client_name: 'Web app',
      client_secret: 'web-secret',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: CODE,
      response_types: ['code'],
    },
    'web-jwt': {
      ...browser,
      client_name: 'Web app (private_key_jwt)',
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [inputs.webJwtPublicJwk] },
      grant_types: CODE,
      response_types: ['code'],
    },
    // OIDC Core §10.2: everything the server returns about the user is encrypted to the client's
    // key, nested inside a signature (the signed JWT is the JWE's plaintext).
    'web-encrypted': {
      ...browser,
      client_name: 'Web app (encrypted ID Tokens)',
      client_secret: 'web-encrypted-secret',
      token_endpoint_auth_method: 'client_secret_basic',
      jwks: { keys: [inputs.webEncryptedPublicJwk] },
      id_token_encrypted_response_alg: 'ECDH-ES',
      id_token_encrypted_response_enc: 'A256GCM',
      userinfo_signed_response_alg: inputs.signingAlg,
      userinfo_encrypted_response_alg: 'ECDH-ES',
      userinfo_encrypted_response_enc: 'A256GCM',
      introspection_signed_response_alg: inputs.signingAlg,
      introspection_encrypted_response_alg: 'ECDH-ES',
      introspection_encrypted_response_enc: 'A256GCM',
      grant_types: CODE,
      response_types: ['code'],
    },
    cli: {
      client_name: 'Command-line app',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      redirect_uris: ['http://127.0.0.1/callback', 'http://[::1]/callback'],
      grant_types: CODE,
      response_types: ['code'],
    },
    service: {
      client_name: 'Service',
      client_secret: 'service-secret',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    },
    'service-post': {
      client_name: 'Service (client_secret_post)',
      client_secret: 'service-post-secret',
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    },
    device: {
      client_name: 'TV app',
      token_endpoint_auth_method: 'none',
      grant_types: [DEVICE_CODE, 'refresh_token'],
      response_types: [],
      redirect_uris: [],
    },
    implicit: {
      client_name: 'Implicit app',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['implicit'],
      response_types: ['id_token token'],
      redirect_uris:
        implicitRedirects.length > 0 ? implicitRedirects : ['http://127.0.0.1/callback'],
      post_logout_redirect_uris: loopbackOnly(inputs.postLogoutRedirectUris),
    },
    legacy: {
      client_name: 'Legacy app',
      client_secret: 'legacy-secret',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['password', 'refresh_token'],
      response_types: [],
      redirect_uris: [],
    },
  }
}
