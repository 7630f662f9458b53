import { invalidArgument } from '@oauthkit/core/internal'

/**
 * Checks that a private JWK holds a private key, synchronously: Node parses it as it would import
 * it (every member its key type needs, a public point on its curve). Core has already checked
 * `kty`, `d` and the algorithm. WebCrypto may still refuse a key that Node parses (a malformed
 * `d`, a `d` of another key); that surfaces at the first call.
 *
 * @throws `ERR_INVALID_ARG_VALUE` naming `privateKey`; the message and the error carry nothing
 *   of the key (Node's own error is not kept as the cause: it may quote members).
 */
export function assertPrivateJwk(jwk: object): void {
  // Only the key material: Node refuses unknown `key_ops`, and `kid`/`alg`/`use` are not needed.
  const {
    kid: _kid,
    use: _use,
    key_ops: _ops,
    alg: _alg,
    ...material
  } = jwk as Record<string, unknown>
  let type: string | undefined
  try {
    // Loaded on first use, not imported: node:crypto pulls in streams and the crypto bindings,
    // which would more than double the package's cold import for apps that never pass a JWK.
    const { createPrivateKey } = process.getBuiltinModule('node:crypto')
    type = createPrivateKey({ key: material as never, format: 'jwk' }).type
  } catch {
    type = undefined
  }
  if (type !== 'private') {
    throw invalidArgument(
      'privateKey',
      'a private JWK with every member of its key type',
      'ERR_INVALID_ARG_VALUE',
    )
  }
}
