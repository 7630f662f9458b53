import * as oauth from 'oauth4webapi'
import type { ClientContext } from './client-context.js'
import type { JweDecryptor } from './create-jwe-decryptor.js'

/**
 * `context` with a decryptor for what the server encrypts to this client (OIDC Core §10.2,
 * RFC 9701 §5): encrypted ID Tokens (`id_token_encrypted_response_alg`) in the code, refresh
 * and other grants, JWT UserInfo and introspection responses. oauth4webapi hands each JWE it
 * meets to `decryptor` and validates the signed JWT inside as usual (its signature included).
 * A separate step, not an option of `createClientContext`, so that clients that decrypt nothing
 * do not carry its code.
 *
 * @param decryptor - From `createJweDecryptor()` with the client's private keys.
 * @returns A new context; `context` is not changed.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#Encryption
 */
export function withJweDecryption(context: ClientContext, decryptor: JweDecryptor): ClientContext {
  // The hook rides on the client object under oauth4webapi's own option key, and core passes the
  // client as the options of response processing: a client without it costs no code at all
  // (the browser bundle does not change).
  const client: oauth.Client & oauth.JWEDecryptOptions = {
    ...context.client,
    [oauth.jweDecrypt]: async (jwe: string) => (await decryptor.decrypt(jwe)).jwt,
  }
  return { ...context, client }
}
