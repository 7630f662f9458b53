import { invalidArgument } from '@oauthkit/core/internal'

// The members each key type needs to sign (RFC 7518 §6.2.2, §6.3.2; RFC 8037 §2), checked where
// Node's own parser is not available.
const PRIVATE_MEMBERS: Record<string, string[]> = {
  RSA: ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'],
  EC: ['crv', 'x', 'y', 'd'],
  OKP: ['crv', 'x', 'd'],
}

/**
 * Node's `crypto`, where there is one (Node, Bun, Deno), or `undefined`. Loaded through
 * `process.getBuiltinModule` rather than imported: this module is part of the entry that edge
 * runtimes load (workerd without `nodejs_compat` has no `node:*` module to resolve, and tsup would
 * emit a bare `crypto` import that their bundlers refuse).
 */
function nodeCrypto(): typeof import('node:crypto') | undefined {
  return globalThis.process?.getBuiltinModule?.('node:crypto')
}

function isPrivate(material: Record<string, unknown>): boolean {
  const crypto = nodeCrypto()
  if (!crypto) {
    const members = PRIVATE_MEMBERS[String(material.kty)] ?? ['']
    return members.every((name) => typeof material[name] === 'string' && material[name] !== '')
  }
  try {
    return crypto.createPrivateKey({ key: material as never, format: 'jwk' }).type === 'private'
  } catch {
    return false
  }
}

/**
 * Checks that a private JWK holds a private key, synchronously. Under Node (and Bun, Deno) it is
 * parsed as it would be imported (every member its key type needs, a public point on its curve);
 * elsewhere the members are checked to be present. Core has already checked `kty`, `d` and the
 * algorithm. WebCrypto may still refuse a key that passes (a malformed `d`, a `d` of another key,
 * or off-curve points where Node's parser is absent); that surfaces at the first call.
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
  if (!isPrivate(material)) {
    throw invalidArgument(
      'privateKey',
      'a private JWK with every member of its key type',
      'ERR_INVALID_ARG_VALUE',
    )
  }
}
