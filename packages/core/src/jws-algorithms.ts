/**
 * Every JWS algorithm oauth4webapi can verify a signature with (RFC 7518 §3, RFC 8037, ML-DSA
 * where the runtime has it): the most an allow-list may hold. Never `none` and never an HMAC
 * algorithm: a resource server holds no shared secret, and accepting HS* with a public key as the
 * secret is the classic algorithm-confusion attack (RFC 8725 §2.1).
 */
export const SUPPORTED_JWS_ALGORITHMS: ReadonlySet<string> = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'ML-DSA-44',
  'ML-DSA-65',
  'ML-DSA-87',
])

/**
 * The allow-list used when a verifier names none: the supported algorithms every runtime oauthkit
 * supports has (ML-DSA is left out: Node 20 and most browsers lack it).
 */
export const DEFAULT_JWS_ALGORITHMS: readonly string[] = [...SUPPORTED_JWS_ALGORITHMS].filter(
  (alg) => !alg.startsWith('ML-DSA'),
)
