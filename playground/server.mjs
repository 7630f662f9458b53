// The playground's HTTP server: serves the page (bundled with esbuild at start), runs the
// server-side halves of the grant tours against an embedded @oauthkit/devserver, records every
// HTTP exchange with the authorization server, and hosts a small RFC 9068 protected resource and
// a Backend for Frontend (@oauthkit/node/bff) for the BFF tour.
import {
  constants,
  createDecipheriv,
  createHash,
  generateKeyPair,
  privateDecrypt,
  randomBytes,
  randomUUID,
} from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { discover } from '@oauthkit/core'
import { startDevServer } from '@oauthkit/devserver'
import { createAccessTokenVerifier, createServerClient } from '@oauthkit/node'
import { createBff, toNodeHandler } from '@oauthkit/node/bff'
import * as oauth from 'oauth4webapi'
import { createExample } from '../packages/react/example/server.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const API_SCOPE_READ = 'api:read'
const API_SCOPE_WRITE = 'api:write'
/** Seconds of clock skew the API tolerates for `exp` (@oauthkit/node's default, set explicitly). */
const CLOCK_TOLERANCE = 5
/**
 * The lifetime of the expired-token demo's token: it ended two minutes before it was minted, well
 * past any verifier's clock-skew allowance (5 s here, 30 s in oauth4webapi), so nobody waits.
 */
const EXPIRED_TTL = -120
/** Where the BFF's API proxy is mounted: `/bff-api/profile` is forwarded to `/api/profile`. */
const BFF_API_PREFIX = '/bff-api'

/**
 * A token as the BFF tour may show it: its first characters and its length. The point of that
 * tour is that no token reaches the browser, so the page gets no more than this.
 */
const maskToken = (token) =>
  typeof token === 'string'
    ? `${token.slice(0, 10)}…(${token.length} characters, masked: it never leaves the server)`
    : undefined

/**
 * @typedef {object} Exchange
 * @property {string} label
 * @property {{ method: string, url: string, headers: Record<string,string>, body?: string }} request
 * @property {{ status: number, headers: Record<string,string>, body: string }} [response]
 * @property {string[]} masked what was masked in this record and why
 * @property {string} [error]
 */

/** Builds the page bundle (plus the SDK packages' TypeScript source) into one ES module with esbuild. */
async function bundlePage() {
  const esbuild = await import('esbuild')
  const result = await esbuild.build({
    entryPoints: [join(here, 'src/app.js')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // The SDK packages are in this repository: bundle their source, built or not.
    conditions: ['@oauthkit/source', 'browser', 'module', 'import', 'default'],
    sourcemap: 'inline',
    logLevel: 'silent',
  })
  return result.outputFiles[0].text
}

/** Masks a secret but keeps its first characters, so a reader can tell which secret it was. */
const mask = (value) => `${String(value).slice(0, 2)}•••••• (masked)`

/**
 * A fetch that records each exchange into `log`. Client secrets (Basic auth, `client_secret`)
 * are masked in the record: the person looking at the page plays the browser, which a
 * confidential client never shows its secret to. Passwords are not masked: in the password
 * grant the client sees the password, which is the point of that tour.
 * @param {Exchange[]} log
 * @param {string} label
 */
function recordingFetch(log, label) {
  return async (input, init = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const method = init.method ?? (input instanceof Request ? input.method : 'GET')
    const headers = Object.fromEntries(new Headers(init.headers ?? {}).entries())
    const masked = []
    if (headers.authorization?.startsWith('Basic ')) {
      const decoded = Buffer.from(headers.authorization.slice(6), 'base64').toString()
      const [id] = decoded.split(':')
      headers.authorization = `Basic base64(${decodeURIComponent(id)}:${mask(decoded.split(':')[1] ?? '')})`
      masked.push(
        'Authorization: the client secret inside the Basic credentials (client_secret_basic, RFC 6749 §2.3.1): only the client’s server knows it',
      )
    }
    let body
    if (init.body !== undefined && init.body !== null) {
      const params = new URLSearchParams(String(init.body))
      if (params.has('client_secret')) {
        params.set('client_secret', mask(params.get('client_secret')))
        masked.push('client_secret in the body (client_secret_post)')
      }
      body = String(init.body).includes('=')
        ? decodeURIComponent(params.toString())
        : String(init.body)
    }
    /** @type {Exchange} */
    const record = { label, request: { method, url, headers, body }, masked }
    log.push(record)
    try {
      const response = await fetch(input, init)
      const text = await response.clone().text()
      record.response = {
        status: response.status,
        headers: pickHeaders(response.headers),
        body: text,
      }
      return response
    } catch (error) {
      record.error = String(error?.message ?? error)
      throw error
    }
  }
}

function pickHeaders(headers) {
  const out = {}
  for (const name of [
    'content-type',
    'cache-control',
    'www-authenticate',
    'location',
    'dpop-nonce',
  ]) {
    const value = headers.get(name)
    if (value) out[name] = value
  }
  return out
}

/** JSON body of a request, or {}. */
async function readJson(req) {
  const chunks = []
  for await (const chunk of req) chunks.push(chunk)
  const text = Buffer.concat(chunks).toString()
  return text ? JSON.parse(text) : {}
}

function send(res, status, body, headers = {}) {
  const isString = typeof body === 'string'
  res.writeHead(status, {
    'content-type': isString ? 'text/plain; charset=utf-8' : 'application/json',
    'cache-control': 'no-store',
    ...headers,
  })
  res.end(isString ? body : JSON.stringify(body))
}

/** The resource server's encryption key pair (RSA-OAEP-256): the public half is given to the
 * authorization server to encrypt access tokens for this API, the private half never leaves. */
async function createEncryptionKey() {
  const { publicKey, privateKey } = await promisify(generateKeyPair)('rsa', {
    modulusLength: 2048,
  })
  const kid = `rs-enc-${randomUUID().slice(0, 8)}`
  const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid, use: 'enc', alg: 'RSA-OAEP-256' }
  const privateJwk = {
    ...privateKey.export({ format: 'jwk' }),
    kid,
    use: 'enc',
    alg: 'RSA-OAEP-256',
  }
  return { publicKey, privateKey, kid, publicJwk, privateJwk }
}

const JWE_ALG = 'RSA-OAEP-256'
const JWE_ENC = 'A256GCM'

/**
 * Decrypts a compact JWE (RFC 7516 §5.2) by hand, one operation at a time, so the page can show
 * every value: RSA-OAEP-256 unwraps the content encryption key, AES-256-GCM decrypts the
 * ciphertext and checks the tag over the protected header (the additional authenticated data).
 */
function decryptStepByStep(token, privateKey) {
  const [h, ek, iv, ct, tag] = token.split('.')
  const header = JSON.parse(Buffer.from(h, 'base64url').toString())
  if (header.alg !== JWE_ALG || header.enc !== JWE_ENC) {
    throw new Error(`unexpected alg/enc ${header.alg}/${header.enc}`)
  }
  const cek = privateDecrypt(
    { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    Buffer.from(ek, 'base64url'),
  )
  const decipher = createDecipheriv('aes-256-gcm', cek, Buffer.from(iv, 'base64url'))
  decipher.setAAD(Buffer.from(h, 'ascii'))
  decipher.setAuthTag(Buffer.from(tag, 'base64url'))
  const plaintext = Buffer.concat([
    decipher.update(Buffer.from(ct, 'base64url')),
    decipher.final(),
  ]).toString()
  return {
    header,
    encryptedKeyBytes: Buffer.from(ek, 'base64url').length,
    cek: cek.toString('hex'),
    iv: Buffer.from(iv, 'base64url').toString('hex'),
    tag: Buffer.from(tag, 'base64url').toString('hex'),
    ciphertextBytes: Buffer.from(ct, 'base64url').length,
    plaintext,
  }
}

/**
 * Verifies an RFC 9068 JWT access token and the scope a route needs, through @oauthkit/node's
 * `createAccessTokenVerifier`. Refusals carry `status`, `error`, `error_description` and
 * `wwwAuthenticate` (RFC 6750 §3).
 */
function createVerifier({ issuer, audience, metadata, realm, decryptionKey }) {
  const verifier = createAccessTokenVerifier({
    issuer,
    audience,
    metadata,
    realm,
    clockTolerance: CLOCK_TOLERANCE,
    allowInsecureRequests: true,
    // Encrypted access tokens (nested JWTs) are decrypted with this API's key, then verified.
    decryptionKeys: [decryptionKey],
  })
  return {
    via: '@oauthkit/node createAccessTokenVerifier',
    verify: (header, scope) => verifier.verify(header, { scopes: [scope] }),
  }
}

/**
 * Starts the playground and its authorization server.
 * @param {{ port?: number }} [options]
 */
export async function startPlayground(options = {}) {
  const [pageJs, pageCss, pageHtml] = await Promise.all([
    bundlePage(),
    readFile(join(here, 'src/app.css'), 'utf8'),
    readFile(join(here, 'src/index.html'), 'utf8'),
  ])

  const server = createServer()
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve(undefined))
  })
  const origin = `http://127.0.0.1:${server.address().port}`
  const redirectUri = `${origin}/callback`
  const bffRedirectUri = `${origin}/auth/callback`

  /** The resource server's encryption key pair, made while the dev server starts. */
  const encryptionKey = createEncryptionKey()
  const devServer = await startDevServer({
    // The BFF tour's callback and its logout's return (/callback, where the page resumes its
    // tour); the React example's pair, served under /react/.
    redirectUris: [redirectUri, bffRedirectUri, `${origin}/react/callback`],
    postLogoutRedirectUris: [`${origin}/`, redirectUri, `${origin}/react/`],
    corsOrigins: [origin],
    deviceInterval: 2,
    requirePkce: 'public-clients', // the `web` tour: code + client secret without PKCE
  })
  const issuer = devServer.issuer
  const resource = devServer.resource
  const reactExample = await createExample({ issuer, resource, base: '/react' })
  const metadata = await discover(issuer, { allowInsecureRequests: true })
  const as = /** @type {oauth.AuthorizationServer} */ (metadata)
  const verifier = createVerifier({
    issuer,
    audience: resource,
    metadata,
    realm: 'playground-api',
    decryptionKey: (await encryptionKey).privateJwk,
  })
  const insecure = { [oauth.allowInsecureRequests]: true }

  // The Backend for Frontend of the BFF tour: the confidential client `web`, every token kept in
  // this process, the browser given one HttpOnly cookie. Plain-HTTP cookies (no Secure, no
  // __Host- prefix) only because the playground runs on 127.0.0.1. Its API proxy forwards to this
  // server's own protected resource.
  const bff = createBff({
    issuer,
    metadata,
    clientId: 'web',
    clientSecret: devServer.clients.web?.clientSecret ?? '',
    redirectUri: bffRedirectUri,
    postLogoutRedirectUri: redirectUri,
    scope: `openid profile email offline_access ${API_SCOPE_READ}`,
    resource,
    // Sealing key of the login transaction cookie: fresh at every start (logins in progress
    // across a restart are abandoned, which is all a rotation costs).
    secret: randomBytes(32).toString('base64url'),
    apis: [{ prefix: BFF_API_PREFIX, upstream: `${origin}/api` }],
    allowInsecureRequests: true,
    allowInsecureCookies: true,
  })
  const bffHandler = toNodeHandler(bff)
  /** What the BFF last sent in Set-Cookie (values masked) and what the API last received. */
  const bffSeen = { setCookie: [], apiRequest: undefined }

  /** Server-side transactions (authorization code tours), by id. */
  const transactions = new Map()

  const secretOf = (id) => devServer.clients[id]?.clientSecret ?? ''
  const errorOf = (error) => ({
    message: String(error?.message ?? error),
    code: error?.code,
    error: error?.error ?? error?.cause?.error,
    error_description: error?.error_description ?? error?.cause?.error_description,
    status: error?.status ?? error?.cause?.status,
  })

  /** Runs `fn(log)` and answers `{ exchanges, ...result }` or `{ exchanges, error }`. */
  async function step(res, fn) {
    const log = []
    try {
      const result = await fn(log)
      send(res, 200, { exchanges: log, ...result })
    } catch (error) {
      send(res, 200, { exchanges: log, error: errorOf(error) })
    }
  }

  /** A plain token request (RFC 6749 §3.2), recorded: for the cases core deliberately forbids. */
  async function rawTokenRequest(log, label, clientId, params) {
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    }
    const secret = secretOf(clientId)
    if (secret) {
      const basic = `${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`
      headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`
    } else {
      params.set('client_id', clientId)
    }
    const response = await recordingFetch(log, label)(metadata.token_endpoint, {
      method: 'POST',
      headers,
      body: params.toString(),
    })
    return { status: response.status, body: await response.json() }
  }

  const routes = {
    'GET /pg/config': (_req, res) =>
      send(res, 200, {
        origin,
        issuer,
        resource,
        redirectUri,
        jwksUri: metadata.jwks_uri,
        metadata,
        apiScopes: devServer.apiScopes,
        verifierVia: verifier.via,
        clockTolerance: CLOCK_TOLERANCE,
        users: devServer.users.map((u) => ({ username: u.username, password: u.password })),
        clients: Object.fromEntries(
          Object.entries(devServer.clients).map(([id, c]) => [
            id,
            { description: c.description, auth: c.tokenEndpointAuthMethod, grants: c.grantTypes },
          ]),
        ),
      }),

    // Authorization code, confidential web client, no PKCE (RFC 6749 §4.1), client_secret_basic.
    'POST /pg/web/start': (_req, res) =>
      step(res, async () => {
        const state = oauth.generateRandomState()
        const nonce = oauth.generateRandomNonce()
        const url = new URL(metadata.authorization_endpoint)
        url.searchParams.set('client_id', 'web')
        url.searchParams.set('response_type', 'code')
        url.searchParams.set('redirect_uri', redirectUri)
        url.searchParams.set('scope', `openid profile email ${API_SCOPE_READ}`)
        url.searchParams.set('resource', resource)
        url.searchParams.set('state', state)
        url.searchParams.set('nonce', nonce)
        const id = randomUUID()
        transactions.set(id, { state, nonce })
        return { txId: id, authorizationUrl: url.href, state, nonce }
      }),
    'POST /pg/web/exchange': async (req, res) => {
      const { txId, callbackUrl } = await readJson(req)
      await step(res, async (log) => {
        const tx = transactions.get(txId)
        if (!tx) throw new Error('unknown or used transaction')
        transactions.delete(txId)
        const client = { client_id: 'web' }
        const params = oauth.validateAuthResponse(as, client, new URL(callbackUrl), tx.state)
        const response = await oauth.authorizationCodeGrantRequest(
          as,
          client,
          oauth.ClientSecretBasic(secretOf('web')),
          params,
          redirectUri,
          oauth.nopkce,
          {
            ...insecure,
            [oauth.customFetch]: recordingFetch(log, 'Token request (code + client secret)'),
          },
        )
        const body = await oauth.processAuthorizationCodeResponse(as, client, response, {
          expectedNonce: tx.nonce,
          requireIdToken: true,
        })
        return {
          tokens: body,
          via: 'oauth4webapi (core always adds PKCE; this tour shows the grant without it)',
        }
      })
    },

    // Client credentials (RFC 6749 §4.4), service client.
    'POST /pg/client-credentials': async (req, res) => {
      const { scope = `${API_SCOPE_READ} ${API_SCOPE_WRITE}` } = await readJson(req)
      await step(res, async (log) => {
        const fetchImpl = recordingFetch(log, 'Token request (client credentials)')
        const client = createServerClient({
          issuer,
          clientId: 'service',
          clientSecret: secretOf('service'),
          fetch: fetchImpl,
          allowInsecureRequests: true,
        })
        const tokenSet = await client.clientCredentials({ scope, resource })
        return { tokenSet, via: '@oauthkit/node createServerClient().clientCredentials()' }
      })
    },

    // Resource owner password credentials (RFC 6749 §4.3), legacy client: deprecated. With the
    // API's resource indicator (RFC 8707) the dev server issues an RFC 9068 JWT access token for
    // the API; `withResource: false` leaves it out, and the access token is opaque.
    'POST /pg/password': async (req, res) => {
      const { username, password, withResource = true } = await readJson(req)
      const params = new URLSearchParams({
        grant_type: 'password',
        username,
        password,
        scope: `openid profile ${API_SCOPE_READ}`,
      })
      if (withResource) params.set('resource', resource)
      await step(res, async (log) =>
        rawTokenRequest(
          log,
          withResource ? 'Token request (password)' : 'Token request (password, no resource)',
          'legacy',
          params,
        ),
      )
    },

    // Token introspection (RFC 7662): the request the API makes for an opaque token, recorded.
    'POST /pg/introspect': async (req, res) => {
      const { token } = await readJson(req)
      await step(res, async (log) => ({
        introspection: await introspectionRequest(
          token,
          recordingFetch(log, 'Resource server → authorization server: token introspection'),
        ),
      }))
    },

    // Refresh token with rotation (RFC 6749 §6, RFC 9700 §4.14.2).
    'POST /pg/refresh': async (req, res) => {
      const { refreshToken, label } = await readJson(req)
      await step(res, async (log) =>
        rawTokenRequest(
          log,
          label ?? 'Token request (refresh_token)',
          'legacy',
          new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
        ),
      )
    },

    // Device authorization (RFC 8628).
    'POST /pg/device/start': (_req, res) =>
      step(res, async (log) => {
        const response = await oauth.deviceAuthorizationRequest(
          as,
          { client_id: 'device' },
          oauth.None(),
          new URLSearchParams({
            scope: `openid profile offline_access ${API_SCOPE_READ}`,
            resource,
          }),
          { ...insecure, [oauth.customFetch]: recordingFetch(log, 'Device authorization request') },
        )
        return { device: await response.json() }
      }),
    'POST /pg/device/poll': async (req, res) => {
      const { deviceCode } = await readJson(req)
      await step(res, async (log) =>
        rawTokenRequest(
          log,
          'Token request (device_code poll)',
          'device',
          new URLSearchParams({
            grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
            device_code: deviceCode,
          }),
        ),
      )
    },

    // PKCE on its own (RFC 7636): the server holds the verifier; an attacker without it fails.
    'POST /pg/pkce/start': (_req, res) =>
      step(res, async () => {
        const verifier = oauth.generateRandomCodeVerifier()
        const challenge = await oauth.calculatePKCECodeChallenge(verifier)
        const state = oauth.generateRandomState()
        const url = new URL(metadata.authorization_endpoint)
        url.searchParams.set('client_id', 'spa')
        url.searchParams.set('response_type', 'code')
        url.searchParams.set('redirect_uri', redirectUri)
        url.searchParams.set('scope', `openid ${API_SCOPE_READ}`)
        url.searchParams.set('resource', resource)
        url.searchParams.set('state', state)
        url.searchParams.set('code_challenge', challenge)
        url.searchParams.set('code_challenge_method', 'S256')
        const id = randomUUID()
        transactions.set(id, { state, verifier })
        return { txId: id, verifier, challenge, authorizationUrl: url.href }
      }),
    'POST /pg/pkce/redeem': async (req, res) => {
      const { txId, code, withVerifier, label } = await readJson(req)
      await step(res, async (log) => {
        const tx = transactions.get(txId)
        if (!tx) throw new Error('unknown transaction')
        const params = new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirectUri,
        })
        if (withVerifier) params.set('code_verifier', tx.verifier)
        return rawTokenRequest(log, label, 'spa', params)
      })
    },

    // An access token whose lifetime is already over, minted by the authorization server itself
    // for the client, user and scope of the tour's token (RFC 9068, signed with the server's key).
    'POST /pg/expired-token': async (req, res) => {
      const { clientId, sub, scope } = await readJson(req)
      await step(res, async () => {
        const options = {
          ttl: EXPIRED_TTL,
          ...(typeof clientId === 'string' && devServer.clients[clientId] ? { clientId } : {}),
          // A client credentials token's `sub` is the client: mint one without a user.
          ...(typeof sub === 'string' && sub !== clientId ? { sub } : {}),
          ...(typeof scope === 'string' ? { scope } : {}),
        }
        return { accessToken: await devServer.mintAccessToken(options), options }
      })
    },

    // The BFF tour: what the server holds for the browser's session cookie, tokens masked. The
    // store is keyed by the SHA-256 of the session id (as createBff keys it), never by the id.
    'GET /pg/bff/server-view': (req, res) =>
      step(res, async () => {
        const id = /(?:^|;\s*)oauthkit-session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1]
        const live = devServer.liveRefreshTokens().filter((t) => t.clientId === 'web').length
        const base = {
          setCookie: bffSeen.setCookie,
          cookieArrived: id !== undefined,
          liveRefreshTokens: live,
        }
        if (!id) return { ...base, session: null }
        const key = createHash('sha256').update(id).digest('base64url')
        try {
          const { tokenSet, claims } = await bff.client.getSession(key)
          return {
            ...base,
            storeKey: `${key.slice(0, 8)}… (SHA-256 of the cookie's value)`,
            session: {
              sub: claims?.sub,
              tokenType: tokenSet.tokenType,
              scope: tokenSet.scope,
              expiresAt: tokenSet.expiresAt,
              accessToken: maskToken(tokenSet.accessToken),
              refreshToken: maskToken(tokenSet.refreshToken),
              idToken: maskToken(tokenSet.idToken),
            },
          }
        } catch {
          return { ...base, session: null }
        }
      }),
    'GET /pg/bff/api-seen': (_req, res) => send(res, 200, bffSeen.apiRequest ?? null),

    // Token encryption (RFC 7516): the resource server's public encryption key…
    'POST /pg/jwe/key': (_req, res) =>
      step(res, async () => {
        const { publicJwk } = await encryptionKey
        return { publicJwk, alg: JWE_ALG, enc: JWE_ENC }
      }),
    // …an access token the authorization server signs, then encrypts to that key (a nested JWT)…
    'POST /pg/jwe/issue': (_req, res) =>
      step(res, async () => {
        const { publicKey, kid } = await encryptionKey
        const accessToken = await devServer.mintAccessToken({
          ttl: 600,
          scope: API_SCOPE_READ,
          encrypt: { alg: JWE_ALG, enc: JWE_ENC, key: publicKey, kid },
        })
        return { accessToken }
      }),
    // …and its decryption by the resource server, every intermediate value shown.
    'POST /pg/jwe/decrypt': async (req, res) => {
      const { token } = await readJson(req)
      await step(res, async () => {
        const { privateKey } = await encryptionKey
        const steps = decryptStepByStep(token, privateKey)
        // What the API really runs: the SDK's verifier decrypts (header policy, key by kid and
        // alg, jose underneath) and verifies the signed JWT inside; its claims must be the ones
        // the step-by-step decryption found.
        const claims = await verifier.verify(`Bearer ${token}`, API_SCOPE_READ)
        const inner = JSON.parse(Buffer.from(steps.plaintext.split('.')[1], 'base64url').toString())
        return { ...steps, sdkClaims: claims, sdkAgrees: claims.jti === inner.jti }
      })
    },
  }

  /** Asks the authorization server about a token (RFC 7662), authenticated as client `service`. */
  async function introspectionRequest(token, fetchImpl = fetch) {
    const response = await fetchImpl(metadata.introspection_endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        authorization: `Basic ${Buffer.from(`service:${secretOf('service')}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token }).toString(),
    })
    if (!response.ok) throw new Error(`introspection failed with ${response.status}`)
    return response.json()
  }

  /** The API's check of an opaque token: introspection, and 401 unless it is active. */
  async function introspect(token) {
    const body = await introspectionRequest(token)
    if (!body.active) {
      throw Object.assign(new Error('inactive token'), {
        status: 401,
        error: 'invalid_token',
        error_description: 'the access token is not active',
        wwwAuthenticate: 'Bearer realm="playground-api", error="invalid_token"',
      })
    }
    return body
  }

  /** The protected resource: RFC 6750 bearer tokens, RFC 9068 JWT access tokens. */
  const apiScopes = { '/api/profile': API_SCOPE_READ, '/api/admin': API_SCOPE_WRITE }
  async function api(req, res, path) {
    const required = apiScopes[path]
    if (!required) return send(res, 404, { error: 'not_found' })
    const header = req.headers.authorization
    // For the BFF tour: what arrived here, the access token shortened (the page must not get it).
    bffSeen.apiRequest = {
      method: req.method,
      path,
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([name, value]) => [
          name,
          name === 'authorization'
            ? String(value).replace(/^(\S+ )(.+)$/, (_, scheme, token) => scheme + maskToken(token))
            : String(value),
        ]),
      ),
    }
    const token = /^Bearer (.+)$/i.exec(header ?? '')?.[1]
    let claims
    let via = verifier.via
    try {
      if (token && token.split('.').length === 5) {
        // An encrypted access token (JWE, a nested JWT): the SDK's verifier decrypts it with this
        // API's private key, then verifies the signed JWT inside as usual.
        via = `decrypted (${JWE_ALG}, ${JWE_ENC}) with the API’s private key by ${verifier.via} (decryptionKeys), then verified`
        claims = await verifier.verify(header, required)
      } else if (token && token.split('.').length !== 3) {
        // An opaque token (the password grant's without `resource`): ask the authorization
        // server (RFC 7662).
        via = 'token introspection (RFC 7662), as client "service"'
        claims = await introspect(token)
        if (
          !String(claims.scope ?? '')
            .split(' ')
            .includes(required)
        ) {
          throw Object.assign(new Error('insufficient scope'), {
            status: 403,
            error: 'insufficient_scope',
            error_description: `the "${required}" scope is required`,
            wwwAuthenticate: `Bearer realm="playground-api", error="insufficient_scope", scope="${required}"`,
          })
        }
      } else claims = await verifier.verify(header, required)
    } catch (error) {
      if (typeof error?.status !== 'number') {
        return send(res, 500, {
          error: 'server_error',
          error_description: 'cannot verify tokens now',
        })
      }
      const body = { error: error.error, error_description: error.error_description }
      return send(res, error.status, body, { 'www-authenticate': error.wwwAuthenticate })
    }
    return send(res, 200, {
      message: path === '/api/admin' ? 'admin action done' : 'here is your profile',
      sub: claims.sub,
      client_id: claims.client_id,
      scope: claims.scope,
      verified_by: via,
    })
  }

  /** The BFF's requests, its Set-Cookie lines recorded (values masked) for the tour to show. */
  function serveBff(req, res) {
    const writeHead = res.writeHead.bind(res)
    res.writeHead = (status, headers) => {
      const lines = [headers?.['set-cookie'] ?? []].flat()
      if (lines.length > 0) {
        bffSeen.setCookie = lines.map((line) =>
          String(line).replace(/^([^=]+)=([^;]*)/, (_, name, value) =>
            value ? `${name}=•••(${value.length} characters)` : `${name}=`,
          ),
        )
      }
      return writeHead(status, headers)
    }
    bffHandler(req, res)
  }

  server.on('request', async (req, res) => {
    try {
      if (await reactExample.handle(req, res)) return
      const url = new URL(req.url ?? '/', origin)
      const key = `${req.method} ${url.pathname}`
      if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/callback')) {
        return send(res, 200, pageHtml, { 'content-type': 'text/html; charset=utf-8' })
      }
      if (key === 'GET /app.js') {
        return send(res, 200, pageJs, { 'content-type': 'text/javascript; charset=utf-8' })
      }
      if (key === 'GET /app.css') {
        return send(res, 200, pageCss, { 'content-type': 'text/css; charset=utf-8' })
      }
      if (url.pathname.startsWith('/api/')) return await api(req, res, url.pathname)
      if (url.pathname.startsWith('/auth/') || url.pathname.startsWith(`${BFF_API_PREFIX}/`)) {
        return serveBff(req, res)
      }
      const route = routes[key]
      if (route) return await route(req, res)
      send(res, 404, 'not found')
    } catch (error) {
      if (!res.headersSent) send(res, 500, { error: String(error?.message ?? error) })
    }
  })

  let closed
  return {
    url: `${origin}/`,
    devServer,
    bff,
    close() {
      closed ??= Promise.all([
        new Promise((resolve) => {
          server.close(() => resolve(undefined))
          server.closeAllConnections()
        }),
        devServer.close(),
      ]).then(() => undefined)
      return closed
    },
  }
}
