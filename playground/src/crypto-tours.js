// Two mechanism tours: token encryption (JWE, RFC 7516) and signing (JWS, RFC 7515) with a shared
// secret (HS256) or a key pair (RS256). The signing tour runs entirely in this page, with WebCrypto;
// the encryption tour uses a token issued and encrypted by the dev server's oidc-provider
// (devServer.mintAccessToken with `encrypt`).
import * as jose from 'jose'

const te = new TextEncoder()
const b64u = (value) => jose.base64url.encode(value)
const fromB64u = (text) => jose.base64url.decode(text)
const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')
const segment = (object) => b64u(JSON.stringify(object))
const shortText = (text, keep = 24) =>
  text.length > keep * 2 ? `${text.slice(0, keep)}…${text.slice(-8)}` : text

/** RSASSA-PKCS1-v1_5 with SHA-256: the JWS algorithm RS256 (RFC 7518 §3.3). */
const RS256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
/** The DER prefix of an RS256 signature's DigestInfo: "what follows is a SHA-256 hash". */
const DIGEST_INFO_SHA256 = '3031300d060960864801650304020105000420'

async function hmacSha256(keyBytes, input) {
  const key = await crypto.subtle.importKey(
    'raw',
    keyBytes,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, te.encode(input)))
}

const sha256 = async (input) =>
  new Uint8Array(await crypto.subtle.digest('SHA-256', te.encode(input)))

function modPow(base, exponent, modulus) {
  let result = 1n
  let b = base % modulus
  let e = exponent
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus
    e >>= 1n
    b = (b * b) % modulus
  }
  return result
}

const bigintOf = (bytes) => BigInt(`0x${hex(bytes) || '0'}`)

/**
 * What the public key does to an RS256 signature: signature^e mod n (RFC 8017 §5.2.2), giving
 * back the encoded message 00 01 FF…FF 00 DigestInfo(SHA-256) hash (EMSA-PKCS1-v1_5, §9.2).
 */
function openSignature(signature, publicJwk) {
  const n = bigintOf(fromB64u(publicJwk.n))
  const e = bigintOf(fromB64u(publicJwk.e))
  const size = fromB64u(publicJwk.n).length
  const em = modPow(bigintOf(signature), e, n)
    .toString(16)
    .padStart(size * 2, '0')
  const hashHex = em.slice(-64)
  const digestInfo = em.slice(-64 - DIGEST_INFO_SHA256.length, -64)
  const padding = em.slice(4, -64 - DIGEST_INFO_SHA256.length - 2)
  return {
    em,
    start: em.slice(0, 4),
    padding,
    separator: em.slice(-64 - DIGEST_INFO_SHA256.length - 2, -64 - DIGEST_INFO_SHA256.length),
    digestInfo,
    hashHex,
  }
}

async function spkiPem(publicKey) {
  const der = new Uint8Array(await crypto.subtle.exportKey('spki', publicKey))
  const base64 = btoa(String.fromCharCode(...der))
  return `-----BEGIN PUBLIC KEY-----\n${base64.match(/.{1,64}/g).join('\n')}\n-----END PUBLIC KEY-----\n`
}

/** The naive verifier of the algorithm-confusion step, shown as code and run as is. */
const NAIVE_VERIFIER = `// DON'T: lets the token choose the algorithm
async function naiveVerify(token, key) {
  // key: the RS256 public key, as PEM text
  const [h, p, s] = token.split('.')
  const { alg } = JSON.parse(decode(h))
  const input = h + '.' + p
  if (alg === 'HS256')
    return s === b64u(hmacSha256(bytes(key), input))
  if (alg === 'RS256')
    return rsaVerify(importPem(key), input, s)
  return false
}`
async function naiveVerify(token, key, publicKey) {
  const [h, p, s] = token.split('.')
  const { alg } = JSON.parse(new TextDecoder().decode(fromB64u(h)))
  if (alg === 'HS256') return s === b64u(await hmacSha256(te.encode(key), `${h}.${p}`))
  if (alg === 'RS256')
    return crypto.subtle.verify(RS256, publicKey, fromB64u(s), te.encode(`${h}.${p}`))
  return false
}

/**
 * The mechanism tours. `kit` gives the page's helpers:
 * `{ esc, check, postJson, recordingFetch, tokenBodyOf, config }` (config() is the playground's
 * /pg/config).
 */
export function cryptoTours(kit) {
  const { esc, check, postJson, recordingFetch, tokenBodyOf, config } = kit

  const tokenBox = (token, testid) => {
    const [h, p, s] = token.split('.')
    return `<div class="colored token-box" data-testid="${testid}"><span class="c-h">${esc(h)}</span>.<span class="c-p">${esc(p)}</span>.<span class="c-s">${esc(s)}</span></div>`
  }
  const errorText = (error) =>
    `${error?.name ?? 'Error'}${error?.code ? ` ${error.code}` : ''}: ${error?.message ?? error}`
  const json = (value) => `<pre class="json">${esc(JSON.stringify(value, null, 2))}</pre>`

  /** A signed token, built step by step: header, payload, signing input. */
  const parts = (header, payload) => {
    const h = segment(header)
    const p = segment(payload)
    return { h, p, input: `${h}.${p}` }
  }
  const partsHtml = ({ h, p, input }, header, payload, testid) =>
    `<div class="build"><div><h5 class="c-h">Header</h5>${json(header)}<p class="b64">base64url → <code class="wrap c-h">${esc(h)}</code></p></div>
<div><h5 class="c-p">Payload (claims)</h5>${json(payload)}<p class="b64">base64url → <code class="wrap c-p">${esc(shortText(p, 40))}</code></p></div></div>
<p>Signing input = <code>base64url(header) + "." + base64url(payload)</code>:</p>
<div class="colored" data-testid="${testid}"><span class="c-h">${esc(input.split('.')[0])}</span>.<span class="c-p">${esc(input.split('.')[1])}</span></div>`

  const jwe = {
    title: 'Encrypted tokens (JWE)',
    short: 'Encryption',
    badge: 'mechanism',
    kind: 'mechanism',
    lanes: ['client', 'as', 'rs', 'attacker'],
    laneNotes: { rs: 'holds the private key', attacker: 'sees a copy' },
    intro:
      'A signed JWT (JWS) cannot be changed, but anyone who holds it can read it. An encrypted one (JWE, RFC 7516) can be read only by the resource server it is for. The authorization server signs an access token, then encrypts it to the resource server’s public key; a bystander sees gibberish, the resource server decrypts and verifies.',
    steps: [
      {
        title: 'The resource server publishes an encryption key',
        actor: 'rs',
        from: 'rs',
        to: 'rs',
        label: 'RSA key pair for RSA-OAEP-256',
        note: 'Encryption uses the <em>recipient’s</em> key: anyone with the public key can encrypt for the resource server, only the holder of the private key can decrypt. The authorization server gets the public key (handed over here; in production from the API’s registration or a JWKS URL).',
        run: async (t) => {
          const result = await postJson('/pg/jwe/key')
          if (result.error) throw new Error(result.error.message)
          const k = result.publicJwk
          t.data.encKid = k.kid
          return {
            html: `<div class="keys"><div class="key-card pub"><h5>Public key (given to the authorization server)</h5><table class="kv"><tbody>
<tr><td><code>kty</code></td><td><code>${esc(k.kty)}</code></td></tr>
<tr><td><code>kid</code></td><td><code data-testid="enc-kid">${esc(k.kid)}</code></td></tr>
<tr><td><code>use</code></td><td><code>${esc(k.use)}</code> (encryption, not signatures)</td></tr>
<tr><td><code>alg</code></td><td><code>${esc(k.alg)}</code></td></tr>
<tr><td><code>n</code></td><td><code>${esc(shortText(k.n, 20))}</code> (${fromB64u(k.n).length * 8} bits)</td></tr>
<tr><td><code>e</code></td><td><code>${esc(k.e)}</code></td></tr></tbody></table></div>
<div class="key-card priv"><h5>Private key (stays on the resource server)</h5><p><code>d</code>, <code>p</code>, <code>q</code>, <code>dp</code>, <code>dq</code>, <code>qi</code>: never sent anywhere, not even to this page. Only it can decrypt.</p></div></div>`,
          }
        },
      },
      {
        title: 'A signed-only access token: anyone can read it',
        actor: 'client',
        from: 'client',
        to: 'as',
        label: 'client credentials → JWS',
        note: 'A signature stops changes, not reading: header and payload are only base64url-encoded. RFC 9068 access tokens are usually only signed, so the client, a log or a proxy can read the claims. That is how this page decodes the tokens in every other tour, with no key at all.',
        run: async (t) => {
          const result = await postJson('/pg/client-credentials', { scope: 'api:read' })
          if (result.error) throw new Error(result.error.message)
          const token = tokenBodyOf(result.exchanges).access_token
          t.data.jws = token
          const payload = jose.decodeJwt(token)
          return {
            exchanges: result.exchanges,
            jwts: [{ label: 'Signed access token (JWS, RFC 9068)', token, kind: 'at' }],
            html: `<p class="callout" data-testid="jws-readable">Decoded by this page <strong>without any key</strong>: <code>sub</code> = <code>${esc(payload.sub)}</code>, <code>scope</code> = <code>${esc(payload.scope)}</code>, <code>client_id</code>, <code>exp</code>… are plain to anyone who sees the token. ${token.split('.').length} segments: header, payload, signature.</p>`,
          }
        },
      },
      {
        title: 'The authorization server encrypts the token',
        actor: 'as',
        from: 'as',
        to: 'client',
        label: 'JWE: sign + encrypt',
        note: 'The authorization server signs first (proves who issued it), then encrypts to the resource server’s key (only that API can read it): a nested JWT (RFC 7519 §11.2, <code>cty: at+jwt</code>). The client cannot read it either, which is fine: a client should treat access tokens as opaque.',
        run: async (t) => {
          const result = await postJson('/pg/jwe/issue')
          if (result.error) throw new Error(result.error.message)
          t.data.jwe = result.accessToken
          return { html: renderJwe(result.accessToken, t.data.jws) }
        },
      },
      {
        title: 'Without the private key: gibberish',
        actor: 'attacker',
        from: 'attacker',
        to: 'attacker',
        label: 'decode it → gibberish',
        note: 'The claims are encrypted with AES-256-GCM under a fresh random key, and that key is encrypted with RSA-OAEP-256 for the resource server. Logs, proxies, browser storage and the client itself see only ciphertext; a key of one’s own does not help.',
        run: async (t) => {
          const [, encryptedKey, , ciphertext] = t.data.jwe.split('.')
          let decodeError
          try {
            jose.decodeJwt(t.data.jwe)
          } catch (error) {
            decodeError = errorText(error)
          }
          const bytes = fromB64u(ciphertext)
          const text = new TextDecoder()
            .decode(bytes)
            .replace(/\p{Cc}/gu, '·')
            .slice(0, 360)
          let parseError
          try {
            JSON.parse(new TextDecoder().decode(bytes))
          } catch (error) {
            parseError = errorText(error)
          }
          const own = await jose.generateKeyPair('RSA-OAEP-256')
          let wrongKey
          try {
            await jose.compactDecrypt(t.data.jwe, own.privateKey)
          } catch (error) {
            wrongKey = errorText(error)
          }
          return {
            html: `<ol class="tries">
<li><strong>Decode it like a JWT</strong> (what this page does with signed tokens):${check(Boolean(decodeError), `cannot be decoded: ${esc(decodeError ?? 'decoded?!')}`, 'jwe-decode-error')}</li>
<li><strong>base64url-decode the ciphertext</strong> (segment 4, where the payload would be): ${bytes.length} bytes<p class="hex">${esc(hex(bytes.slice(0, 48)).replace(/(..)/g, '$1 '))}…</p>as text:<pre class="gibberish" data-testid="jwe-gibberish">${esc(text)}</pre>${check(Boolean(parseError), `not JSON: ${esc(parseError ?? 'parsed?!')}`, 'jwe-not-json')}</li>
<li><strong>Look at the encrypted key</strong> (segment 2): ${fromB64u(encryptedKey).length} random-looking bytes, the content key wrapped with RSA-OAEP-256; only the resource server’s private key unwraps it.</li>
<li><strong>Try a private key of one’s own</strong> (a fresh RSA-OAEP-256 pair made in this page):${check(Boolean(wrongKey), `cannot decrypt: ${esc(wrongKey ?? 'decrypted?!')}`, 'jwe-wrong-key')}</li></ol>`,
          }
        },
      },
      {
        title: 'The resource server decrypts it with its private key',
        actor: 'rs',
        from: 'rs',
        to: 'rs',
        label: 'unwrap key, decrypt, verify',
        note: 'Decrypting proves only that the token was encrypted <em>for</em> this API: anyone can encrypt with a public key. The signature inside, checked against the authorization server’s JWKS, proves who issued it; the GCM tag proves nobody changed the ciphertext or the header.',
        run: async (t) => {
          const r = await postJson('/pg/jwe/decrypt', { token: t.data.jwe })
          if (r.error) throw new Error(r.error.message)
          return {
            html: `<ol class="decrypt" data-testid="jwe-decrypt">
<li><strong>Read the protected header</strong> (base64url only): <code>alg</code> = <code>${esc(r.header.alg)}</code>, <code>enc</code> = <code>${esc(r.header.enc)}</code>, <code>kid</code> = <code>${esc(r.header.kid)}</code> ${r.header.kid === t.data.encKid ? '(this API’s key ✓)' : ''}</li>
<li><strong>Unwrap the content key with the private key</strong> (RSA-OAEP-256): ${r.encryptedKeyBytes} bytes → a ${r.cek.length / 2}-byte key, fresh for this token (shown only to teach):<p class="hex" data-testid="jwe-cek">${esc(r.cek)}</p></li>
<li><strong>Decrypt with AES-256-GCM</strong>: IV <code>${esc(r.iv)}</code>, additional authenticated data = the protected header’s base64url text; ${r.ciphertextBytes} bytes of ciphertext → ${r.plaintext.length} characters of plaintext; tag <code>${esc(r.tag)}</code> ✓</li>
<li><strong>The plaintext is a signed JWT</strong> (<code>cty: ${esc(r.header.cty)}</code>), verified below against the authorization server’s keys.</li></ol>
${check(r.sdkAgrees, `<code>@oauthkit/node</code>’s <code>createAccessTokenVerifier({ decryptionKeys })</code>, what the API runs, decrypts the same token and verifies the JWT inside: <code>sub</code> = <code>${esc(r.sdkClaims?.sub)}</code>, <code>jti</code> matches`, 'jwe-sdk-agrees')}
<p class="muted">The decryption ran on the playground server (the resource server), which holds the private key; this page only shows the values. The SDK also refuses what these steps would not catch: an <code>alg</code> or <code>enc</code> outside its allow-list, <code>zip</code>, a <code>kid</code> naming another key, plaintext that is not a signed JWT.</p>`,
            jwts: [
              {
                label: 'Decrypted: the signed access token inside',
                token: r.plaintext,
                kind: 'at',
                readable:
                  'Inside the JWE this signed token was unreadable; decrypted by the resource server, it reads like any other JWT',
              },
            ],
          }
        },
      },
      {
        title: 'The resource server grants access',
        actor: 'client',
        from: 'client',
        to: 'rs',
        label: 'GET /api/profile  Bearer <JWE>',
        note: 'The API decrypts, verifies the signed token inside (issuer, audience, expiry, <code>typ</code>), checks the scope, and answers from the claims: access is granted by what the token says, once it is known to be genuine.',
        run: async (t) => {
          const exchanges = []
          const response = await recordingFetch(
            exchanges,
            'Resource request with the encrypted access token',
          )('/api/profile', { headers: { authorization: `Bearer ${t.data.jwe}` } })
          const body = await response.json()
          return {
            exchanges,
            html: check(
              response.status === 200,
              `${response.status}: ${esc(body.verified_by ?? body.error)}`,
              'jwe-granted',
            ),
          }
        },
      },
    ],
  }

  /** A JWE in five colours, its readable header, and a JWS next to it. */
  function renderJwe(token, jws) {
    const [h, k, iv, c, tag] = token.split('.')
    const header = jose.decodeProtectedHeader(token)
    const bytes = (s) => fromB64u(s).length
    const jwsParts = jws.split('.')
    return `<section class="jwe" data-testid="jwe" data-segments="${token.split('.').length}">
<h4>Encrypted access token (JWE) <span class="legend"><span class="e-h">header</span> · <span class="e-k">encrypted key</span> · <span class="e-iv">IV</span> · <span class="e-c">ciphertext</span> · <span class="e-t">tag</span></span></h4>
<div class="colored" data-testid="jwe-encoded"><span class="e-h">${esc(h)}</span>.<span class="e-k">${esc(k)}</span>.<span class="e-iv">${esc(iv)}</span>.<span class="e-c">${esc(c)}</span>.<span class="e-t">${esc(tag)}</span></div>
<div class="jwt-parts"><div><h5 class="e-h">Protected header (readable, not secret)</h5><pre data-testid="jwe-header">${esc(JSON.stringify(header, null, 2))}</pre></div>
<div><table class="segments"><thead><tr><th>segment</th><th>bytes</th><th>what it is</th></tr></thead><tbody>
<tr><td class="e-h">1 header</td><td>${h.length} chars</td><td><code>alg</code> <strong>${esc(header.alg)}</strong>: how the content key is wrapped; <code>enc</code> <strong>${esc(header.enc)}</strong>: how the content is encrypted</td></tr>
<tr><td class="e-k">2 encrypted key</td><td>${bytes(k)}</td><td>a random 256-bit content key, encrypted with the resource server’s public key</td></tr>
<tr><td class="e-iv">3 IV</td><td>${bytes(iv)}</td><td>initialization vector for AES-GCM (random, not secret)</td></tr>
<tr><td class="e-c">4 ciphertext</td><td>${bytes(c)}</td><td>the signed JWT, encrypted: it takes the payload’s place (one byte per character of the JWT inside; AES-GCM adds no padding)</td></tr>
<tr><td class="e-t">5 tag</td><td>${bytes(tag)}</td><td>authentication tag: any change to the header or ciphertext is detected</td></tr></tbody></table></div></div>
<div class="versus" data-testid="jws-vs-jwe"><div><h5>JWS: signed (RFC 7515)</h5><p class="seg-count"><strong data-testid="jws-segments">${jwsParts.length}</strong> segments: <span class="c-h">header</span>.<span class="c-p">payload</span>.<span class="c-s">signature</span></p><p>Integrity: nobody can change it. <strong>Anyone can read it.</strong></p><p class="muted">${jws.length} characters, <code>alg: ${esc(jose.decodeProtectedHeader(jws).alg)}</code></p></div>
<div><h5>JWE: encrypted (RFC 7516)</h5><p class="seg-count"><strong data-testid="jwe-segments">${token.split('.').length}</strong> segments: <span class="e-h">header</span>.<span class="e-k">key</span>.<span class="e-iv">iv</span>.<span class="e-c">ciphertext</span>.<span class="e-t">tag</span></p><p>Confidentiality: <strong>only the private key’s holder can read it</strong>; here it wraps a JWS, so it keeps the signature too.</p><p class="muted">${token.length} characters, <code>alg: ${esc(header.alg)}</code>, <code>enc: ${esc(header.enc)}</code></p></div></div>
<p class="muted honest" data-testid="jwe-how">How this token was made: the playground asked the dev server for it with <code>devServer.mintAccessToken({ ttl: 600, scope: 'api:read', encrypt: { alg: '${esc(header.alg)}', enc: '${esc(header.enc)}', key } })</code>, <code>key</code> being the public key from step 1. The dev server’s oidc-provider issued it through its own access-token code (a client-credentials token for <code>service</code>, like the JWS next to it), signed it with its key and encrypted the result. The token endpoint itself signs only: <code>startDevServer()</code> options cannot make the API’s tokens encrypted. Encrypted ID Tokens are another matter: the dev server’s <code>web-encrypted</code> client receives them (and encrypted UserInfo), and <code>createServerClient({ decryptionKeys })</code> reads them.</p>
</section>`
  }

  const signing = {
    title: 'Signing: HS256 vs RS256',
    short: 'Signing',
    badge: 'mechanism',
    kind: 'mechanism',
    lanes: ['as', 'rs', 'attacker'],
    laneNotes: { as: 'signs tokens', rs: 'verifies tokens', attacker: 'has the public key' },
    intro:
      'A JWT’s signature is made over <code>base64url(header).base64url(payload)</code>. With <strong>HS256</strong> the signer and the verifier share one secret; with <strong>RS256</strong> the signer keeps a private key and every verifier uses the public one. The same payload is signed both ways, verified (with the hash recomputed in front of you), forged where it can be, and an algorithm-confusion attack is refused. Everything runs in this page with WebCrypto; every value is shown.',
    steps: [
      {
        title: 'Make the keys: a shared secret and a key pair',
        actor: 'as',
        from: 'as',
        to: 'as',
        label: 'a shared secret + an RSA key pair',
        note: 'A shared secret must be given to every verifier, so every verifier can also sign. A key pair splits the two: the private key signs and never leaves the authorization server, the public key only verifies and can be published (a <code>jwks_uri</code>).',
        run: async (t) => {
          const secret = crypto.getRandomValues(new Uint8Array(32))
          const pair = await crypto.subtle.generateKey(
            { ...RS256, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
            true,
            ['sign', 'verify'],
          )
          const publicJwk = await crypto.subtle.exportKey('jwk', pair.publicKey)
          const privateJwk = await crypto.subtle.exportKey('jwk', pair.privateKey)
          Object.assign(t.data, { secret: b64u(secret), publicJwk, privateJwk, kid: 'demo-rs256' })
          const yes = '<td class="ok">✓</td>'
          const no = '<td class="bad">✗</td>'
          return {
            html: `<div class="keys"><div class="key-card shared"><h5>HS256 shared secret (32 random bytes)</h5><p class="big-code" data-testid="hs-secret">${esc(b64u(secret))}</p><p class="muted">base64url; the same bytes sign and verify.</p></div>
<div class="key-card pub"><h5>RS256 public key (publishable)</h5><table class="kv"><tbody><tr><td><code>kty</code></td><td><code>RSA</code></td></tr><tr><td><code>n</code></td><td><code>${esc(shortText(publicJwk.n, 16))}</code> (2048 bits)</td></tr><tr><td><code>e</code></td><td><code>${esc(publicJwk.e)}</code> (65537)</td></tr></tbody></table></div>
<div class="key-card priv"><h5>RS256 private key (the authorization server only)</h5><p><code>d</code> = <code>${esc(privateJwk.d.slice(0, 10))}…</code> (and <code>p</code>, <code>q</code>…)</p><p class="muted">Signs. Never leaves the signer.</p></div></div>
<table class="holds" data-testid="who-holds"><thead><tr><th>key</th><th>authorization server</th><th>resource server</th><th>anyone else</th><th>so whoever holds it can</th></tr></thead><tbody>
<tr><td>HS256 shared secret</td>${yes}${yes}${no}<td>verify <strong>and sign</strong></td></tr>
<tr><td>RS256 private key</td>${yes}${no}${no}<td>sign</td></tr>
<tr><td>RS256 public key</td>${yes}${yes}${yes}<td>verify only</td></tr></tbody></table>`,
          }
        },
      },
      {
        title: 'Sign with HS256 (the shared secret)',
        actor: 'as',
        from: 'as',
        to: 'as',
        label: 'HS256: HMAC-SHA256(secret, input)',
        note: 'HMAC mixes the secret into a SHA-256 hash of the signing input: without the secret nobody can compute it, so a changed header or payload is detected. The header’s <code>alg</code> names the algorithm; the verifier must not simply believe it (last step).',
        run: async (t) => {
          const now = Math.floor(Date.now() / 1000)
          t.data.payload = {
            iss: config().issuer,
            sub: 'user-alice',
            name: 'Alice',
            roles: ['reader'],
            scope: 'api:read',
            iat: now,
            exp: now + 600,
          }
          const header = { alg: 'HS256', typ: 'JWT' }
          const built = parts(header, t.data.payload)
          const mac = await hmacSha256(fromB64u(t.data.secret), built.input)
          t.data.hs = `${built.input}.${b64u(mac)}`
          return {
            html: `${partsHtml(built, header, t.data.payload, 'hs-signing-input')}
<p>HMAC-SHA256(secret, signing input), 32 bytes:</p><p class="hex" data-testid="hs-mac">${hex(mac)}</p>
<p>base64url → the signature. The token, <span class="c-h">header</span>.<span class="c-p">payload</span>.<span class="c-s">signature</span>:</p>${tokenBox(t.data.hs, 'hs-token')}`,
          }
        },
      },
      {
        title: 'Sign with RS256 (the private key)',
        actor: 'as',
        from: 'as',
        to: 'as',
        label: 'RS256: sign SHA-256(input), private key',
        note: 'RS256 hashes the signing input with SHA-256 and transforms the padded hash with the private key. Only the private key can produce a value that the public key turns back into that hash.',
        run: async (t) => {
          const header = { alg: 'RS256', typ: 'JWT', kid: t.data.kid }
          const built = parts(header, t.data.payload)
          const digest = await sha256(built.input)
          const key = await crypto.subtle.importKey('jwk', t.data.privateJwk, RS256, false, [
            'sign',
          ])
          const signature = new Uint8Array(
            await crypto.subtle.sign(RS256, key, te.encode(built.input)),
          )
          t.data.rs = `${built.input}.${b64u(signature)}`
          return {
            html: `${partsHtml(built, header, t.data.payload, 'rs-signing-input')}
<p>SHA-256(signing input):</p><p class="hex" data-testid="rs-hash">${hex(digest)}</p>
<p>Signed with the private key (RSASSA-PKCS1-v1_5), ${signature.length} bytes:</p><p class="hex scroll" data-testid="rs-signature-hex">${hex(signature)}</p>
<p>The token:</p>${tokenBox(t.data.rs, 'rs-token')}`,
          }
        },
      },
      {
        title: 'Verify HS256: recompute the HMAC',
        actor: 'rs',
        from: 'as',
        to: 'rs',
        label: 'HS256 token → recompute the HMAC',
        note: 'The resource server recomputes the HMAC over the header and payload it received, with its copy of the secret, and compares: one changed character gives a completely different value. It then checks the claims (<code>iss</code>, <code>exp</code>…) and accepts only the algorithm it expects.',
        run: async (t) => {
          const [h, p, s] = t.data.hs.split('.')
          const mine = await hmacSha256(fromB64u(t.data.secret), `${h}.${p}`)
          const theirs = fromB64u(s)
          const same = hex(mine) === hex(theirs)
          const { payload } = await jose.jwtVerify(t.data.hs, fromB64u(t.data.secret), {
            algorithms: ['HS256'],
            issuer: config().issuer,
          })
          const changed = segment({ ...t.data.payload, scope: 'api:read api:write' })
          const tampered = await hmacSha256(fromB64u(t.data.secret), `${h}.${changed}`)
          return {
            html: `<table class="kv"><tbody><tr><td>signature in the token</td><td><p class="hex" data-testid="hs-theirs">${hex(theirs)}</p></td></tr>
<tr><td>HMAC recomputed by the resource server</td><td><p class="hex" data-testid="hs-mine">${hex(mine)}</p></td></tr></tbody></table>
${check(same, 'equal: the header and payload are exactly what the secret’s holder signed', 'hs-match')}
${check(true, `<code>jose.jwtVerify(token, secret, { algorithms: ['HS256'] })</code>: valid, <code>sub</code> = <code>${esc(payload.sub)}</code>`, 'hs-jose')}
<p>Change the payload’s <code>scope</code> to <code>api:read api:write</code> and keep the signature: the recomputed HMAC becomes <code class="wrap">${hex(tampered).slice(0, 32)}…</code></p>
${check(false, 'differs from the signature: the change is detected', 'hs-tampered')}`,
          }
        },
      },
      {
        title: 'Verify RS256 with the public key',
        actor: 'rs',
        from: 'as',
        to: 'rs',
        label: 'RS256 token → public key + hash',
        note: 'The resource server uses the public key to turn the signature back into the hash the signer made, recalculates the hash of the header and payload it received, and compares. A match means the token is unchanged and was signed by the private key’s holder.',
        run: async (t) => {
          const [h, p, s] = t.data.rs.split('.')
          const recomputed = hex(await sha256(`${h}.${p}`))
          const opened = openSignature(fromB64u(s), t.data.publicJwk)
          const publicKey = await crypto.subtle.importKey('jwk', t.data.publicJwk, RS256, true, [
            'verify',
          ])
          const webcrypto = await crypto.subtle.verify(
            RS256,
            publicKey,
            fromB64u(s),
            te.encode(`${h}.${p}`),
          )
          let joseOk = false
          try {
            await jose.jwtVerify(t.data.rs, publicKey, { algorithms: ['RS256'] })
            joseOk = true
          } catch {}
          const changed = segment({ ...t.data.payload, scope: 'api:read api:write' })
          const tamperedHash = hex(await sha256(`${h}.${changed}`))
          return {
            html: `<p><strong>1. Recalculate the hash</strong> of the header and payload received: SHA-256(signing input) =</p><p class="hex" data-testid="rs-recomputed">${recomputed}</p>
<p><strong>2. Open the signature with the public key</strong>: signature<sup>e</sup> mod n (e = 65537, n from the public key), computed here with BigInt, gives ${opened.em.length / 2} bytes:</p>
<p class="hex em" data-testid="rs-opened"><span class="em-fixed" title="block type 1">${opened.start}</span><span class="em-pad" title="padding">${opened.padding.slice(0, 16)}…(${opened.padding.length / 2} bytes of ff)…</span><span class="em-fixed">${opened.separator}</span><span class="em-di" title="DigestInfo: SHA-256">${opened.digestInfo}</span><span class="em-hash" data-testid="rs-recovered-hash">${opened.hashHex}</span></p>
<p class="legend-line"><span class="em-fixed">00 01</span> padding <span class="em-pad">ff…ff</span> <span class="em-fixed">00</span> <span class="em-di">“SHA-256 follows”</span> <span class="em-hash">the signer’s hash</span></p>
${check(opened.hashHex === recomputed, 'the hash inside the signature equals the hash recalculated: valid', 'rs-match')}
${check(webcrypto, '<code>crypto.subtle.verify()</code> agrees', 'rs-webcrypto')}
${check(joseOk, "<code>jose.jwtVerify(token, publicKey, { algorithms: ['RS256'] })</code> agrees", 'rs-jose')}
<p>Change the payload’s <code>scope</code> to <code>api:read api:write</code>: its hash is <code class="wrap">${tamperedHash.slice(0, 32)}…</code></p>
${check(false, 'no longer the hash inside the signature: the change is detected', 'rs-tampered')}`,
          }
        },
      },
      {
        title: 'Who can forge a token?',
        actor: 'rs',
        from: 'rs',
        to: 'rs',
        label: 'the RS tries to mint scope=api:write',
        note: 'With HS256, every service that can verify can also mint tokens: one leaked or compromised resource server can impersonate the authorization server to all the others. With RS256, verifiers hold only the public key, which cannot sign.',
        run: async (t) => {
          const forgedPayload = { ...t.data.payload, scope: 'api:read api:write', roles: ['admin'] }
          const hsParts = parts({ alg: 'HS256', typ: 'JWT' }, forgedPayload)
          const hsForged = `${hsParts.input}.${b64u(await hmacSha256(fromB64u(t.data.secret), hsParts.input))}`
          let hsAccepted = false
          try {
            await jose.jwtVerify(hsForged, fromB64u(t.data.secret), { algorithms: ['HS256'] })
            hsAccepted = true
          } catch {}
          // The public JWK as published: n and e, no private exponent d.
          const { kty, n, e } = t.data.publicJwk
          let publicSign
          try {
            await crypto.subtle.importKey('jwk', { kty, n, e }, RS256, false, ['sign'])
            publicSign = 'imported?!'
          } catch (error) {
            publicSign = errorText(error)
          }
          const own = await crypto.subtle.generateKey(
            { ...RS256, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
            false,
            ['sign', 'verify'],
          )
          const rsParts = parts({ alg: 'RS256', typ: 'JWT', kid: t.data.kid }, forgedPayload)
          const ownSig = new Uint8Array(
            await crypto.subtle.sign(RS256, own.privateKey, te.encode(rsParts.input)),
          )
          const rsForged = `${rsParts.input}.${b64u(ownSig)}`
          const publicKey = await crypto.subtle.importKey('jwk', t.data.publicJwk, RS256, false, [
            'verify',
          ])
          let rsError = ''
          try {
            await jose.jwtVerify(rsForged, publicKey, { algorithms: ['RS256'] })
          } catch (error) {
            rsError = errorText(error)
          }
          return {
            html: `<p>The forged claims: <code>scope</code> = <code>api:read api:write</code>, <code>roles</code> = <code>["admin"]</code>.</p>
<div class="versus forge"><div><h5>With the HS256 secret it holds</h5><p>HMAC-SHA256(secret, forged input) → a token:</p>${tokenBox(hsForged, 'hs-forged')}
<p class="check bad" data-testid="forge-hs" data-accepted="${hsAccepted}">${hsAccepted ? '✗ accepted by every holder of the secret: a perfect forgery' : '✓ refused'}</p></div>
<div><h5>With the RS256 public key it holds</h5><p>Signing needs the private exponent <code>d</code>; the public key has only <code>n</code> and <code>e</code>. Ask WebCrypto for a signing key made of <code>{ kty, n, e }</code>:</p><p class="check ok" data-testid="forge-rs-public">✓ impossible: ${esc(publicSign)}</p>
<p>Sign with a private key of its own instead, and present that:</p>${tokenBox(rsForged, 'rs-forged')}<p class="check ok" data-testid="forge-rs" data-accepted="${!rsError}">${rsError ? `✓ refused: ${esc(rsError)}` : '✗ accepted?!'}</p></div></div>`,
          }
        },
      },
      {
        title: 'Algorithm confusion, refused',
        actor: 'attacker',
        from: 'attacker',
        to: 'rs',
        label: 'HS256 “signed” with the public key',
        note: 'A verifier configured with an RSA public key that lets the token’s header choose the algorithm can be tricked: the attacker signs with HS256 using the <em>public</em> key’s text as the HMAC secret. A correct verifier has an allow-list of algorithms (and key types) and never lets the token pick.',
        run: async (t) => {
          const publicKey = await crypto.subtle.importKey('jwk', t.data.publicJwk, RS256, true, [
            'verify',
          ])
          const pem = await spkiPem(publicKey)
          const forgedPayload = { ...t.data.payload, scope: 'api:read api:write', roles: ['admin'] }
          const forgedParts = parts({ alg: 'HS256', typ: 'JWT' }, forgedPayload)
          const forged = `${forgedParts.input}.${b64u(await hmacSha256(te.encode(pem), forgedParts.input))}`
          const naive = await naiveVerify(forged, pem, publicKey)
          let allowList = ''
          try {
            await jose.jwtVerify(forged, publicKey, { algorithms: ['RS256'] })
          } catch (error) {
            allowList = errorText(error)
          }

          // The same attack on the playground's real API, with the dev server's real public key.
          const jwks = await (await fetch(config().jwksUri)).json()
          const real = jwks.keys.find((k) => k.kty === 'RSA') ?? jwks.keys[0]
          const realPem =
            real.kty === 'RSA'
              ? await spkiPem(await crypto.subtle.importKey('jwk', real, RS256, true, ['verify']))
              : JSON.stringify(real)
          const now = Math.floor(Date.now() / 1000)
          const atParts = parts(
            { alg: 'HS256', typ: 'at+jwt', kid: real.kid },
            {
              iss: config().issuer,
              aud: config().resource,
              sub: 'attacker',
              client_id: 'service',
              scope: 'api:read api:write',
              iat: now,
              exp: now + 300,
              jti: crypto.randomUUID(),
            },
          )
          const atForged = `${atParts.input}.${b64u(await hmacSha256(te.encode(realPem), atParts.input))}`
          const exchanges = []
          const response = await recordingFetch(
            exchanges,
            'Forged HS256 access token (HMAC keyed with the dev server’s public key) on /api/admin',
          )('/api/admin', { headers: { authorization: `Bearer ${atForged}` } })
          return {
            exchanges,
            html: `<p>The public key, as anyone can fetch it (PEM text):</p><pre class="pem">${esc(pem)}</pre>
<p>The attacker writes <code>{"alg":"HS256"}</code> and computes HMAC-SHA256 <em>keyed with that PEM text</em>:</p>${tokenBox(forged, 'confused-token')}
<div class="versus"><div><h5>A naive verifier</h5><pre class="code">${esc(NAIVE_VERIFIER)}</pre><p class="check bad" data-testid="naive-result" data-accepted="${naive}">${naive ? '✗ accepted: the token chose HS256, and the “secret” was public' : '✓ refused'}</p></div>
<div><h5>A correct verifier: an allow-list</h5><pre class="code">await jose.jwtVerify(token, publicKey, {
  algorithms: ['RS256'], // never taken from the token
})</pre><p class="check ok" data-testid="allowlist-result">${allowList ? `✓ refused: ${esc(allowList)}` : '✗ accepted?!'}</p></div></div>
<p>The same forgery against this playground’s API, HMAC-keyed with the dev server’s real public key (kid <code>${esc(real.kid)}</code>) from <code>${esc(config().jwksUri)}</code>:</p>
${check(response.status === 401, `refused by the resource server: ${response.status}`, 'api-confusion')}`,
          }
        },
      },
    ],
  }

  return { jwe, signing }
}
