import * as oauth from 'oauth4webapi'

/** Signs DPoP proofs with one key pair and remembers the nonces servers hand out (RFC 9449). */
export type DPoPHandle = oauth.DPoPHandle

/**
 * Wraps a key pair in a {@link DPoPHandle} for {@link createClientContext}'s `dpop` option: token,
 * PAR, UserInfo and revocation requests then carry proofs, and a `use_dpop_nonce` answer is
 * retried once with the server's nonce. The private key may be (and should be) non-extractable;
 * the public key is exported into each proof's header.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4
 */
export function createDPoPHandle(keyPair: oauth.CryptoKeyPair): DPoPHandle {
  return oauth.DPoP({}, keyPair)
}
