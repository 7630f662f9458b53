/**
 * Sealing for the BFF's short-lived cookies: AES-256-GCM under a key derived with HKDF-SHA-256
 * from the application's secret, so a cookie can be neither read nor changed by the browser.
 * The purpose is bound into the key (`info`), so a value sealed for one cookie never opens as
 * another. Web Crypto only: runs in Node, Deno, Bun and workers alike.
 *
 * @see https://www.rfc-editor.org/rfc/rfc5869
 */
export interface Sealer {
  /** Seals `value` (JSON) into a base64url string. */
  seal(value: unknown): Promise<string>
  /** Opens what {@link Sealer.seal} made; `undefined` for anything else (forged, truncated, other key). */
  open(sealed: string): Promise<unknown>
}

const encoder = new TextEncoder()

/** Creates a {@link Sealer} for `purpose` from `secret` (at least 32 bytes of entropy). */
export function createSealer(secret: string, purpose: string): Sealer {
  let key: ReturnType<typeof crypto.subtle.deriveKey> | undefined
  const keyFor = () => {
    key ??= crypto.subtle
      .importKey('raw', encoder.encode(secret), 'HKDF', false, ['deriveKey'])
      .then((material) =>
        crypto.subtle.deriveKey(
          {
            name: 'HKDF',
            hash: 'SHA-256',
            salt: new Uint8Array(32),
            info: encoder.encode(purpose),
          },
          material,
          { name: 'AES-GCM', length: 256 },
          false,
          ['encrypt', 'decrypt'],
        ),
      )
    return key
  }
  return {
    async seal(value) {
      const iv = crypto.getRandomValues(new Uint8Array(12))
      const data = encoder.encode(JSON.stringify(value))
      const sealed = new Uint8Array(
        await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await keyFor(), data),
      )
      const out = new Uint8Array(iv.length + sealed.length)
      out.set(iv)
      out.set(sealed, iv.length)
      return toBase64Url(out)
    },
    async open(sealed) {
      const bytes = fromBase64Url(sealed)
      if (!bytes || bytes.length < 12 + 16) return undefined
      try {
        const plain = await crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: bytes.slice(0, 12) },
          await keyFor(),
          bytes.slice(12),
        )
        return JSON.parse(new TextDecoder().decode(plain))
      } catch {
        // Forged, truncated, or sealed under another key: the same as no cookie.
        return undefined
      }
    },
  }
}

/** Base64url without padding (RFC 4648 §5). */
export function toBase64Url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function fromBase64Url(text: string): Uint8Array | undefined {
  if (!/^[-_A-Za-z0-9]*$/.test(text)) return undefined
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'))
    return Uint8Array.from(binary, (c) => c.charCodeAt(0))
  } catch {
    return undefined
  }
}
