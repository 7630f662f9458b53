/**
 * Sender-constrained tokens (RFC 9449) for `@oauthkit/browser`, in a subpath of its own so that
 * apps without DPoP do not bundle it.
 *
 * ```ts
 * import { createBrowserClient } from '@oauthkit/browser'
 * import { dpop } from '@oauthkit/browser/dpop'
 *
 * const auth = createBrowserClient({ issuer, clientId, redirectUri, scope, dpop: dpop() })
 * ```
 *
 * @packageDocumentation
 */
import { createDPoPHandle, type DPoPHandle } from '@oauthkit/core'
import type { DPoPExtension } from './browser-client.js'
import { createDPoPKeys } from './create-dpop-keys.js'
import type { KeyValueStore } from './key-value-store.js'

/**
 * Turns on DPoP for {@link createBrowserClient}. The key pair is ECDSA P-256 (ES256) with a
 * non-extractable private key, created at the first request and kept in the client's store
 * (IndexedDB keeps `CryptoKey`s as they are, so the key survives reloads without ever being
 * readable by script). The authorization code is bound to it with `dpop_jkt` (RFC 9449 §10);
 * token, refresh and revocation requests carry proofs, and so does {@link BrowserClient.fetch},
 * which adds `ath` (§7) and retries once when a server asks for a nonce (§8, §9). Logging out
 * deletes the key.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449
 */
export function dpop(): DPoPExtension {
  const keyPairs = new WeakMap<DPoPHandle, CryptoKeyPair>()
  // Resource servers' nonces by origin (RFC 9449 §9); the handle keeps the authorization server's.
  const nonces = new Map<string, string>()

  async function send(request: Request, keyPair: CryptoKeyPair, accessToken: string) {
    const url = new URL(request.url)
    request.headers.set('authorization', `DPoP ${accessToken}`)
    const nonce = nonces.get(url.origin)
    request.headers.set('dpop', await createProof(keyPair, request.method, url, accessToken, nonce))
    return request
  }

  const extension: DPoPExtension = {
    async createHandle(store: KeyValueStore, key: string): Promise<DPoPHandle> {
      let keyPair = (await store.get(key)) as CryptoKeyPair | undefined
      if (typeof keyPair?.privateKey !== 'object' || typeof keyPair.publicKey !== 'object') {
        keyPair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
          'sign',
          'verify',
        ])
        await store.set(key, keyPair)
      }
      const handle = createDPoPHandle(keyPair)
      keyPairs.set(handle, keyPair)
      return handle
    },

    async fetch(handle, request, accessToken, fetchImpl): Promise<Response> {
      const keyPair = keyPairs.get(handle)
      if (!keyPair) throw new TypeError('"handle" must come from this dpop() instance')
      const origin = new URL(request.url).origin
      const retry = request.clone()
      const response = await fetchImpl(await send(request, keyPair, accessToken))
      const nonce = response.headers.get('dpop-nonce')
      if (nonce) nonces.set(origin, nonce)
      const challenge = response.headers.get('www-authenticate') ?? ''
      if (response.status === 401 && nonce && /\bDPoP\b[\s\S]*use_dpop_nonce/i.test(challenge)) {
        await response.body?.cancel()
        return fetchImpl(await send(retry, keyPair, accessToken))
      }
      return response
    },

    keys: (store, key, lock, lockName) => createDPoPKeys(extension, store, key, lock, lockName),
  }
  return extension
}

/** A DPoP proof JWT (RFC 9449 §4.2) for a request to a protected resource. */
async function createProof(
  keyPair: CryptoKeyPair,
  method: string,
  url: URL,
  accessToken: string,
  nonce: string | undefined,
): Promise<string> {
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', keyPair.publicKey)
  const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } }
  const ath = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken))
  const payload = {
    jti: crypto.randomUUID(),
    htm: method,
    htu: `${url.origin}${url.pathname}`, // §4.2: without query and fragment
    iat: Math.floor(Date.now() / 1000),
    ath: base64Url(ath),
    ...(nonce ? { nonce } : {}),
  }
  const input = `${base64Url(json(header))}.${base64Url(json(payload))}`
  // WebCrypto's ECDSA signature is r || s, which is exactly the JWS encoding (RFC 7518 §3.4).
  const signature = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    keyPair.privateKey,
    new TextEncoder().encode(input),
  )
  return `${input}.${base64Url(signature)}`
}

function json(value: unknown): ArrayBuffer {
  return new TextEncoder().encode(JSON.stringify(value)).buffer as ArrayBuffer
}

function base64Url(bytes: ArrayBuffer): string {
  let binary = ''
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}
