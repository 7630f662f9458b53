import type * as oauth from 'oauth4webapi'
import { invalidArgument } from './assert.js'
import type { PrivateJwk } from './client-auth.js'
import { isCryptoKey } from './client-auth.js'
import { base64UrlDecode } from './decode-jwt.js'
import { OAuthKitError, type OAuthKitErrorCode } from './errors.js'

/**
 * The key management algorithms (RFC 7518 §4) accepted when none are configured: RSAES-OAEP with
 * SHA-256 and ECDH-ES, direct or with AES key wrap. RSA1_5 (padding oracles), `dir` and the key
 * wraps with a shared secret (no resource server should share one with its issuer) and PBES2
 * (a password, and an attacker-chosen iteration count) are never accepted.
 */
export const DEFAULT_KEY_MANAGEMENT_ALGORITHMS: readonly string[] = Object.freeze([
  'RSA-OAEP-256',
  'ECDH-ES',
  'ECDH-ES+A128KW',
  'ECDH-ES+A256KW',
])

/** The content encryption algorithms (RFC 7518 §5) accepted when none are configured. */
export const DEFAULT_CONTENT_ENCRYPTION_ALGORITHMS: readonly string[] = Object.freeze([
  'A128GCM',
  'A256GCM',
])

// What may be configured on top of the defaults, with the key type each `alg` needs. The key type
// comes from the configured key's `alg`, never from the token's header (RFC 8725 §3.1).
const KEY_TYPES: Readonly<Record<string, readonly string[]>> = {
  'RSA-OAEP': ['RSA'],
  'RSA-OAEP-256': ['RSA'],
  'RSA-OAEP-384': ['RSA'],
  'RSA-OAEP-512': ['RSA'],
  'ECDH-ES': ['EC', 'OKP'],
  'ECDH-ES+A128KW': ['EC', 'OKP'],
  'ECDH-ES+A192KW': ['EC', 'OKP'],
  'ECDH-ES+A256KW': ['EC', 'OKP'],
}
const CONTENT_ENCRYPTION = new Set([
  'A128GCM',
  'A192GCM',
  'A256GCM',
  'A128CBC-HS256',
  'A192CBC-HS384',
  'A256CBC-HS512',
])
const WEBCRYPTO_NAMES: Readonly<Record<string, readonly string[]>> = {
  RSA: ['RSA-OAEP'],
  EC: ['ECDH'],
  OKP: ['ECDH', 'X25519'],
}

/** One private key a {@link JweDecryptor} may decrypt with. */
export interface DecryptionKey {
  /** The private key: a `CryptoKey` (`RSA-OAEP`, `ECDH`, `X25519`) or a private JWK (with `d`). */
  key: oauth.CryptoKey | PrivateJwk
  /**
   * The key management algorithm this key is for (RFC 7518 §4.1), e.g. `RSA-OAEP-256` or
   * `ECDH-ES+A256KW`. A JWE naming another `alg` is never decrypted with this key.
   */
  alg: string
  /**
   * The key id the issuer puts in the JWE header (RFC 7516 §4.1.6). A JWE with a `kid` is
   * decrypted only by the key with that `kid`; keep the old key listed while tokens encrypted to
   * it are still alive (rotation).
   */
  kid?: string
}

/** Options of {@link createJweDecryptor}. */
export interface JweDecryptorOptions {
  /**
   * The private keys, each a {@link DecryptionKey} or a private JWK carrying its own `alg` (and
   * usually `kid`). At least one.
   */
  keys: readonly (DecryptionKey | PrivateJwk)[]
  /**
   * Accepted `alg` values. Default {@link DEFAULT_KEY_MANAGEMENT_ALGORITHMS}. May also name
   * RSA-OAEP, RSA-OAEP-384/512 and ECDH-ES+A192KW; never PBES2, `dir`, RSA1_5 or a key wrap with
   * a shared secret.
   */
  keyManagementAlgorithms?: readonly string[]
  /**
   * Accepted `enc` values. Default {@link DEFAULT_CONTENT_ENCRYPTION_ALGORITHMS}. May also name
   * A192GCM and the AES-CBC-HMAC-SHA2 family.
   */
  contentEncryptionAlgorithms?: readonly string[]
  /**
   * Allows `zip: "DEF"` (RFC 7516 §4.1.3), inflating at most this many bytes. Default: a JWE with
   * `zip` is refused, since a small token can inflate into a huge one (RFC 8725 §3.6).
   */
  maxDecompressedBytes?: number
  /**
   * `cty` values the JWE must carry, compared without case and without an `application/` prefix
   * (RFC 7515 §4.1.10). Default: any, or none. The access-token verifier asks for `JWT` or
   * `at+jwt` (RFC 7519 §5.2).
   */
  contentTypes?: readonly string[]
}

/** What {@link JweDecryptor.decrypt} returns. */
export interface DecryptedJwt {
  /** The nested signed JWT (a compact JWS), not yet verified. */
  jwt: string
  /** The JWE's protected header. */
  header: Readonly<Record<string, unknown>>
}

/**
 * Decrypts nested JWTs: a compact JWE (RFC 7516 §7.1) whose plaintext is a signed JWT
 * (RFC 7519 §5.2). It checks the header against its policy before any key work, decrypts with
 * `jose` (loaded on first use only), and checks that what it found is a JWS not signed with
 * `none`. It never verifies the inner signature: that is the caller's job.
 */
export interface JweDecryptor {
  /**
   * Decrypts `jwe`.
   *
   * @throws {@link OAuthKitError} `ERR_JWE_INVALID` (not a JWE, a bad header, a wrong `cty`, an
   *   inner token that is not a JWS or is signed with `none`), `ERR_JWE_NOT_ALLOWED` (an `alg`,
   *   `enc`, `zip` or `crit` outside the policy), `ERR_JWE_NO_MATCHING_KEY` (no configured key
   *   has this `kid` and `alg`), `ERR_JWE_DECRYPTION_FAILED` (wrong key, tampered parts). The
   *   message never contains the token.
   * @see https://www.rfc-editor.org/rfc/rfc7516#section-5.2
   */
  decrypt(jwe: string): Promise<DecryptedJwt>
  /**
   * The checks of {@link JweDecryptor.decrypt} that need no key and no `jose`: the header's
   * syntax, `alg`, `enc`, `zip`, `crit`, `cty` and key selection. Throws as `decrypt` would.
   */
  checkHeader(jwe: string): void
}

/** Whether `token` has the five segments of a compact JWE (RFC 7516 §7.1). */
export function isCompactJwe(token: string): boolean {
  let dots = 0
  for (let i = token.indexOf('.'); i !== -1; i = token.indexOf('.', i + 1)) dots++
  return dots === 4
}

interface ConfiguredKey {
  alg: string
  kid: string | undefined
  source: oauth.CryptoKey | PrivateJwk
  imported?: Promise<oauth.CryptoKey>
}

type Jose = typeof import('jose')
let josePromise: Promise<Jose> | undefined
// Loaded on first decryption: an application that decrypts nothing neither loads nor bundles it.
const loadJose = (): Promise<Jose> => {
  josePromise ??= import('jose')
  josePromise.catch(() => {
    josePromise = undefined
  })
  return josePromise
}

const BASE64URL_SEGMENT = /^[A-Za-z0-9_-]*$/
const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Creates a {@link JweDecryptor}. Validates the options now (before any I/O); JWKs are imported
 * on first use.
 *
 * @throws `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` naming the bad option, never a key.
 * @see https://www.rfc-editor.org/rfc/rfc7516
 * @see https://www.rfc-editor.org/rfc/rfc8725#section-3
 */
export function createJweDecryptor(options: JweDecryptorOptions): JweDecryptor {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object')
  const keyManagement = algorithmList(
    options.keyManagementAlgorithms,
    DEFAULT_KEY_MANAGEMENT_ALGORITHMS,
    (alg) => Object.hasOwn(KEY_TYPES, alg),
    'keyManagementAlgorithms',
    'RSA-OAEP-256, ECDH-ES, ECDH-ES+A128KW, ... (never PBES2 or dir)',
  )
  const contentEncryption = algorithmList(
    options.contentEncryptionAlgorithms,
    DEFAULT_CONTENT_ENCRYPTION_ALGORITHMS,
    (enc) => CONTENT_ENCRYPTION.has(enc),
    'contentEncryptionAlgorithms',
    'A128GCM, A256GCM, ...',
  )
  const { maxDecompressedBytes } = options
  if (maxDecompressedBytes !== undefined) {
    if (typeof maxDecompressedBytes !== 'number') {
      throw invalidArgument('maxDecompressedBytes', 'a number')
    }
    if (!Number.isSafeInteger(maxDecompressedBytes) || maxDecompressedBytes < 1) {
      throw invalidArgument(
        'maxDecompressedBytes',
        'a positive whole number of bytes',
        'ERR_INVALID_ARG_VALUE',
      )
    }
  }
  const contentTypes = options.contentTypes?.map(normaliseType)
  const keys = configuredKeys(options.keys, keyManagement)

  const select = (
    jwe: string,
  ): { header: Record<string, unknown>; candidates: ConfiguredKey[] } => {
    const header = protectedHeaderOf(jwe)
    const { alg, enc, kid, zip, crit, cty } = header
    if (typeof alg !== 'string' || typeof enc !== 'string') {
      throw failure('the JWE header lacks "alg" or "enc"', 'ERR_JWE_INVALID')
    }
    if (!keyManagement.has(alg)) {
      throw failure('the JWE "alg" is not allowed', 'ERR_JWE_NOT_ALLOWED')
    }
    if (!contentEncryption.has(enc)) {
      throw failure('the JWE "enc" is not allowed', 'ERR_JWE_NOT_ALLOWED')
    }
    if (zip !== undefined && (maxDecompressedBytes === undefined || zip !== 'DEF')) {
      throw failure('compressed JWEs ("zip") are not accepted', 'ERR_JWE_NOT_ALLOWED')
    }
    // No JWE extension is understood here, so none can be honoured (RFC 7516 §4.1.13).
    if (crit !== undefined) {
      throw failure('the JWE has "crit" extensions, none are supported', 'ERR_JWE_NOT_ALLOWED')
    }
    if (kid !== undefined && typeof kid !== 'string') {
      throw failure('the JWE "kid" is not a string', 'ERR_JWE_INVALID')
    }
    if (contentTypes && !(typeof cty === 'string' && contentTypes.includes(normaliseType(cty)))) {
      throw failure('the JWE does not contain a JWT ("cty")', 'ERR_JWE_INVALID')
    }
    // The header names an algorithm; the key answering it is the one configured for exactly that
    // algorithm (and `kid`), so a token cannot make an RSA key do ECDH or the other way round.
    const candidates = keys.filter(
      (key) => key.alg === alg && (kid === undefined || key.kid === kid),
    )
    if (candidates.length === 0) {
      throw failure('no decryption key matches the JWE', 'ERR_JWE_NO_MATCHING_KEY')
    }
    return { header, candidates }
  }

  return {
    checkHeader(jwe) {
      select(jwe)
    },
    async decrypt(jwe) {
      const { header, candidates } = select(jwe)
      const jose = await loadJose()
      const policy = {
        keyManagementAlgorithms: [header.alg as string],
        contentEncryptionAlgorithms: [header.enc as string],
        // 0 makes jose refuse `zip` itself too, whatever it defaults to.
        maxDecompressedLength: maxDecompressedBytes ?? 0,
      }
      let plaintext: Uint8Array | undefined
      let lastError: unknown
      for (const candidate of candidates) {
        try {
          const key = await importKey(jose, candidate)
          plaintext = (await jose.compactDecrypt(jwe, key, policy)).plaintext
          break
        } catch (err) {
          lastError = err
        }
      }
      if (!plaintext) throw fromJose(lastError)
      return { jwt: innerJws(plaintext), header }
    },
  }
}

function algorithmList(
  value: readonly string[] | undefined,
  fallback: readonly string[],
  known: (alg: string) => boolean,
  name: string,
  expected: string,
): Set<string> {
  if (value === undefined) return new Set(fallback)
  if (!Array.isArray(value) || !value.every((alg) => typeof alg === 'string')) {
    throw invalidArgument(name, 'an array of strings')
  }
  if (value.length === 0 || !value.every(known)) {
    throw invalidArgument(name, `a non-empty list of ${expected}`, 'ERR_INVALID_ARG_VALUE')
  }
  return new Set(value)
}

function configuredKeys(value: unknown, allowed: Set<string>): ConfiguredKey[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalidArgument('keys', 'a non-empty array of decryption keys')
  }
  return value.map((item: unknown, index) => {
    const name = `keys[${index}]`
    if (typeof item !== 'object' || item === null) throw invalidArgument(name, 'a decryption key')
    const entry = (
      isCryptoKey(item) || typeof (item as { kty?: unknown }).kty === 'string'
        ? { key: item, alg: (item as { alg?: unknown }).alg, kid: (item as { kid?: unknown }).kid }
        : item
    ) as { key?: unknown; alg?: unknown; kid?: unknown }
    const { key, alg, kid } = entry
    if (typeof alg !== 'string' || !Object.hasOwn(KEY_TYPES, alg)) {
      throw invalidArgument(
        `${name}.alg`,
        'a key management algorithm (RSA-OAEP-256, ECDH-ES, ...)',
        'ERR_INVALID_ARG_VALUE',
      )
    }
    if (!allowed.has(alg)) {
      throw invalidArgument(
        `${name}.alg`,
        'one of keyManagementAlgorithms',
        'ERR_INVALID_ARG_VALUE',
      )
    }
    if (kid !== undefined && (typeof kid !== 'string' || kid === '')) {
      throw invalidArgument(`${name}.kid`, 'a non-empty string')
    }
    const types = KEY_TYPES[alg] as readonly string[]
    if (isCryptoKey(key)) {
      const algorithm = key.algorithm.name
      const fits = types.some((type) => WEBCRYPTO_NAMES[type]?.includes(algorithm))
      if (key.type !== 'private' || !fits || !key.usages.some(isDecryptionUsage)) {
        throw invalidArgument(
          `${name}.key`,
          `a private ${alg} decryption key`,
          'ERR_INVALID_ARG_VALUE',
        )
      }
    } else {
      const jwk = key as PrivateJwk | null
      if (typeof jwk !== 'object' || jwk === null || typeof jwk.kty !== 'string') {
        throw invalidArgument(`${name}.key`, 'a CryptoKey or a private JWK')
      }
      if (
        typeof jwk.d !== 'string' ||
        !types.includes(jwk.kty) ||
        (jwk.alg !== undefined && jwk.alg !== alg) ||
        (jwk.use !== undefined && jwk.use !== 'enc') ||
        (jwk.kty === 'OKP' && jwk.crv !== 'X25519')
      ) {
        throw invalidArgument(`${name}.key`, `a private ${alg} JWK`, 'ERR_INVALID_ARG_VALUE')
      }
    }
    return { alg, kid: kid as string | undefined, source: key as oauth.CryptoKey | PrivateJwk }
  })
}

function isDecryptionUsage(usage: string): boolean {
  return usage === 'decrypt' || usage === 'unwrapKey' || usage === 'deriveBits'
}

function importKey(jose: Jose, key: ConfiguredKey): Promise<oauth.CryptoKey> {
  if (isCryptoKey(key.source)) return Promise.resolve(key.source)
  if (!key.imported) {
    const pending = jose.importJWK(
      key.source as import('jose').JWK,
      key.alg,
    ) as Promise<oauth.CryptoKey>
    key.imported = pending
    // A key WebCrypto refused is tried again next time rather than remembered as broken.
    pending.catch(() => {
      if (key.imported === pending) key.imported = undefined
    })
  }
  return key.imported
}

function protectedHeaderOf(jwe: string): Record<string, unknown> {
  if (typeof jwe !== 'string' || !isCompactJwe(jwe)) {
    throw failure('the token is not a compact JWE', 'ERR_JWE_INVALID')
  }
  const end = jwe.indexOf('.')
  const segment = jwe.slice(0, end)
  if (end === 0 || !BASE64URL_SEGMENT.test(segment)) {
    throw failure('the JWE header is not base64url', 'ERR_JWE_INVALID')
  }
  let header: unknown
  try {
    header = JSON.parse(utf8.decode(base64UrlDecode(segment)))
  } catch {
    throw failure('the JWE header is not JSON', 'ERR_JWE_INVALID')
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw failure('the JWE header is not a JSON object', 'ERR_JWE_INVALID')
  }
  return header as Record<string, unknown>
}

// The plaintext must be a signed JWT: an encrypted but unsigned token proves nothing about who
// made it (anyone holding the public key can encrypt), nor does one signed with `none`.
function innerJws(plaintext: Uint8Array): string {
  let text: string
  try {
    text = utf8.decode(plaintext)
  } catch {
    throw failure('the JWE does not contain a signed JWT', 'ERR_JWE_INVALID')
  }
  const segments = text.split('.')
  if (
    segments.length !== 3 ||
    !segments.every((segment) => segment !== '' && BASE64URL_SEGMENT.test(segment))
  ) {
    throw failure('the JWE does not contain a signed JWT', 'ERR_JWE_INVALID')
  }
  let header: unknown
  try {
    header = JSON.parse(utf8.decode(base64UrlDecode(segments[0] as string)))
  } catch {
    throw failure('the JWE does not contain a signed JWT', 'ERR_JWE_INVALID')
  }
  const alg = (header as { alg?: unknown } | null)?.alg
  if (typeof alg !== 'string' || alg.toLowerCase() === 'none') {
    throw failure('the JWT inside the JWE is not signed', 'ERR_JWE_INVALID')
  }
  return text
}

function normaliseType(value: string): string {
  const lower = value.toLowerCase()
  return lower.startsWith('application/') ? lower.slice(12) : lower
}

// jose's codes, mapped to ours; its message stays on `cause` (it names no key material).
function fromJose(err: unknown): OAuthKitError {
  const code = (err as { code?: unknown } | null)?.code
  if (code === 'ERR_JOSE_ALG_NOT_ALLOWED' || code === 'ERR_JOSE_NOT_SUPPORTED') {
    return failure('the JWE uses a feature that is not allowed', 'ERR_JWE_NOT_ALLOWED', err)
  }
  if (code === 'ERR_JWE_INVALID') {
    // jose's only way of saying the `zip` cap was reached.
    if (/decompressed plaintext exceeded/i.test((err as Error).message)) {
      return failure('the JWE inflates past maxDecompressedBytes', 'ERR_JWE_NOT_ALLOWED', err)
    }
    return failure('the JWE is malformed', 'ERR_JWE_INVALID', err)
  }
  return failure('the JWE could not be decrypted', 'ERR_JWE_DECRYPTION_FAILED', err)
}

function failure(message: string, code: OAuthKitErrorCode, cause?: unknown): OAuthKitError {
  return new OAuthKitError(message, cause === undefined ? { code } : { code, cause })
}
