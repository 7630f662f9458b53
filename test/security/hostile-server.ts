/**
 * A hostile authorization server for the security suite: plain `node:http` on 127.0.0.1, no
 * oidc-provider. By default it behaves like a small, correct OpenID provider (valid discovery,
 * JWKS, an authorization-code grant that checks PKCE S256 and single-use codes, refresh and
 * client-credentials grants); each test then replaces the handler of one path with something
 * broken or malicious.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import {
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose'

/** What a handler receives besides the raw request and response. */
export interface HandlerContext {
  url: URL
  /** The form body of a POST (empty for GET). */
  body: URLSearchParams
  /** The server, for minting tokens and reading state. */
  server: HostileServer
}

export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  ctx: HandlerContext,
) => void | Promise<void>

/** One signing key of the server (or of an attacker). */
export interface SigningKey {
  alg: 'RS256' | 'ES256'
  kid: string
  privateKey: CryptoKey
  publicKey: CryptoKey
  publicJwk: JWK
}

/** Options of {@link HostileServer.mintJwt}. */
export interface MintOptions {
  /** The key to sign with; default the server's RSA key. */
  key?: SigningKey
  /** Header parameters merged over `{ alg, kid, typ }`. */
  header?: Record<string, unknown>
}

interface PendingCode {
  clientId: string
  redirectUri: string
  codeChallenge: string | null
  codeChallengeMethod: string | null
  nonce: string | null
  scope: string
}

export interface HostileServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  /** The issuer the discovery document names (the origin, unless changed). */
  issuer: string
  /** The discovery document; tests may change it before calling `discover`. */
  metadata: Record<string, unknown>
  /** The key set `/jwks` serves by default. */
  jwks: { keys: JWK[] }
  readonly rsa: SigningKey
  readonly ec: SigningKey
  /** Keys the server does not publish: what an attacker signs with. */
  readonly attackerRsa: SigningKey
  readonly attackerEc: SigningKey
  /** Every token, code and secret the server handed out or was sent, for leak checks. */
  readonly secrets: Set<string>
  /** The form bodies received per path, in order. */
  readonly bodies: Map<string, URLSearchParams[]>
  /** How many requests reached `path`. */
  count(path: string): number
  /** Replaces the handler of `path`. */
  on(path: string, handler: Handler): void
  /** Restores the default handlers, metadata, keys and counters. */
  reset(): void
  /** Simulates the user at the authorization endpoint: returns the callback URL with a fresh code. */
  authorize(authorizationUrl: URL | string, extra?: Record<string, string | null>): URL
  /** Signs a JWT with the given header and claims. */
  mintJwt(claims: JWTPayload, options?: MintOptions): Promise<string>
  /** A valid ID Token for `clientId`, overridable claim by claim (`undefined` deletes one). */
  mintIdToken(
    clientId: string,
    claims?: Record<string, unknown>,
    options?: MintOptions,
  ): Promise<string>
  /** Signs a JWS by hand (no library checks on the header): for headers jose refuses to write. */
  signRaw(
    header: Record<string, unknown>,
    claims: Record<string, unknown>,
    key?: SigningKey,
  ): Promise<string>
  /** An `alg: none` JWT (no signature). */
  unsignedJwt(claims: Record<string, unknown>, header?: Record<string, unknown>): string
  /** An HS256 JWT whose HMAC key is the server's RSA public key in PEM: algorithm confusion. */
  hs256WithPublicKey(claims: Record<string, unknown>): Promise<string>
  /** The token response the default token endpoint would give (and records its secrets). */
  tokens(
    clientId: string,
    extra?: { nonce?: string | null; sub?: string; idToken?: boolean },
  ): Promise<Record<string, unknown>>
  /** Bytes written by `hugeBody` responses, per path. */
  readonly bytesWritten: Map<string, number>
  close(): Promise<void>
}

// ----- response helpers ---------------------------------------------------------------------

export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    ...headers,
  })
  res.end(text)
}

export function html(res: ServerResponse, status = 200): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' })
  res.end('<!doctype html><html><body><h1>Welcome</h1><script>alert(1)</script></body></html>')
}

/** A handler that accepts the request and never answers. */
export const hang: Handler = () => {}

/** A handler that resets the connection without any response. */
export const resetSocket: Handler = (req) => {
  req.socket.resetAndDestroy?.() ?? req.socket.destroy()
}

/** A handler that sends headers and half a JSON body, then resets the connection. */
export const resetMidBody: Handler = (req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' })
  res.write('{"access_token":"at-partial","token_type":"Bearer","padding":"')
  res.write('x'.repeat(1024), () => {
    setTimeout(() => req.socket.destroy(), 10)
  })
}

/**
 * A handler that streams `size` bytes of a JSON-looking body, chunk by chunk with backpressure,
 * never allocating it whole. With `declareLength` it also sends a truthful `content-length`.
 */
export function hugeBody(size: number, declareLength = false): Handler {
  return (_req, res, { url, server }) => {
    const chunk = Buffer.alloc(64 * 1024, 0x61)
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (declareLength) headers['content-length'] = String(size)
    res.writeHead(200, headers)
    let written = 0
    const record = () => server.bytesWritten.set(url.pathname, written)
    res.on('close', record)
    const pump = () => {
      while (written < size && !res.destroyed) {
        const piece = written === 0 ? Buffer.from('{"access_token":"') : chunk
        written += piece.byteLength
        record()
        if (!res.write(piece)) {
          res.once('drain', pump)
          return
        }
      }
      if (!res.destroyed) res.end('"}')
    }
    pump()
  }
}

// ----- keys and tokens -----------------------------------------------------------------------

async function signingKey(alg: 'RS256' | 'ES256', kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
  return { alg, kid, privateKey, publicKey, publicJwk }
}

export function b64url(input: string | Uint8Array): string {
  return Buffer.from(input).toString('base64url')
}

export function random(prefix: string): string {
  return `${prefix}-${randomBytes(16).toString('base64url')}`
}

/** PKCE S256 (RFC 7636 §4.2), computed independently of the SDK. */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url')
}

async function readBody(req: IncomingMessage): Promise<URLSearchParams> {
  if (req.method !== 'POST') return new URLSearchParams()
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

/** Starts a hostile server on 127.0.0.1, port 0. */
export async function startHostileServer(): Promise<HostileServer> {
  const [rsa, ec, attackerRsa, attackerEc] = await Promise.all([
    signingKey('RS256', 'rsa-1'),
    signingKey('ES256', 'ec-1'),
    signingKey('RS256', 'rsa-1'),
    signingKey('ES256', 'ec-1'),
  ])
  const rsaPem = await exportSPKI(rsa.publicKey)
  const counts = new Map<string, number>()
  const handlers = new Map<string, Handler>()
  const codes = new Map<string, PendingCode>()
  const refreshTokens = new Map<string, { clientId: string; sub: string }>()
  const sockets = new Set<Socket>()

  const http = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    // CORS for the browser client under happy-dom, as a real authorization server would send.
    res.setHeader('access-control-allow-origin', req.headers.origin ?? '*')
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, POST',
        'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*',
        'access-control-max-age': '600',
      })
      res.end()
      return
    }
    counts.set(url.pathname, (counts.get(url.pathname) ?? 0) + 1)
    try {
      const body = await readBody(req)
      if (req.method === 'POST') {
        const list = self.bodies.get(url.pathname) ?? []
        list.push(body)
        self.bodies.set(url.pathname, list)
        for (const name of ['code', 'code_verifier', 'refresh_token', 'client_secret', 'token']) {
          const value = body.get(name)
          if (value) self.secrets.add(value)
        }
      }
      const handler = handlers.get(url.pathname)
      if (!handler) {
        json(res, 404, { error: 'not_found' })
        return
      }
      await handler(req, res, { url, body, server: self })
    } catch (err) {
      if (!res.headersSent)
        json(res, 500, { error: 'server_error', error_description: String(err) })
      else res.destroy()
    }
  })
  http.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`

  const defaultMetadata = (issuer: string): Record<string, unknown> => ({
    issuer,
    authorization_endpoint: `${origin}/authorize`,
    token_endpoint: `${origin}/token`,
    userinfo_endpoint: `${origin}/userinfo`,
    jwks_uri: `${origin}/jwks`,
    revocation_endpoint: `${origin}/revoke`,
    introspection_endpoint: `${origin}/introspect`,
    end_session_endpoint: `${origin}/end-session`,
    device_authorization_endpoint: `${origin}/device`,
    response_types_supported: ['code'],
    grant_types_supported: [
      'authorization_code',
      'refresh_token',
      'client_credentials',
      'urn:ietf:params:oauth:grant-type:device_code',
    ],
    code_challenge_methods_supported: ['S256'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256', 'ES256'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
    authorization_response_iss_parameter_supported: true,
    scopes_supported: ['openid', 'profile', 'offline_access', 'api:read', 'api:write'],
  })

  const mintJwt = async (claims: JWTPayload, options?: MintOptions): Promise<string> => {
    const key = options?.key ?? rsa
    const header = { alg: key.alg, kid: key.kid, typ: 'JWT', ...options?.header }
    const jwt = await new SignJWT(claims)
      .setProtectedHeader(header as { alg: string })
      .sign(key.privateKey)
    self.secrets.add(jwt)
    return jwt
  }

  const mintIdToken = async (
    clientId: string,
    claims?: Record<string, unknown>,
    options?: MintOptions,
  ): Promise<string> => {
    const now = Math.floor(Date.now() / 1000)
    const all: Record<string, unknown> = {
      iss: self.issuer,
      sub: 'user-1',
      aud: clientId,
      iat: now,
      exp: now + 300,
      ...claims,
    }
    for (const [name, value] of Object.entries(all)) if (value === undefined) delete all[name]
    return mintJwt(all as JWTPayload, options)
  }

  const tokens = async (
    clientId: string,
    extra?: { nonce?: string | null; sub?: string; idToken?: boolean },
  ): Promise<Record<string, unknown>> => {
    const accessToken = random('at')
    const refreshToken = random('rt')
    self.secrets.add(accessToken)
    self.secrets.add(refreshToken)
    refreshTokens.set(refreshToken, { clientId, sub: extra?.sub ?? 'user-1' })
    const response: Record<string, unknown> = {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: 300,
      refresh_token: refreshToken,
      scope: 'openid offline_access',
    }
    if (extra?.idToken !== false) {
      response.id_token = await mintIdToken(clientId, {
        sub: extra?.sub ?? 'user-1',
        ...(extra?.nonce ? { nonce: extra.nonce } : {}),
      })
    }
    return response
  }

  const defaults = (): Map<string, Handler> =>
    new Map<string, Handler>([
      ['/.well-known/openid-configuration', (_req, res) => json(res, 200, self.metadata)],
      ['/jwks', (_req, res) => json(res, 200, self.jwks)],
      [
        '/token',
        async (_req, res, { body }) => {
          const grantType = body.get('grant_type')
          if (grantType === 'authorization_code') {
            const code = body.get('code') ?? ''
            const pending = codes.get(code)
            codes.delete(code) // single use
            const verifier = body.get('code_verifier')
            if (
              !pending ||
              pending.redirectUri !== body.get('redirect_uri') ||
              pending.codeChallengeMethod !== 'S256' ||
              !verifier ||
              s256(verifier) !== pending.codeChallenge
            ) {
              json(res, 400, { error: 'invalid_grant' })
              return
            }
            json(res, 200, await tokens(pending.clientId, { nonce: pending.nonce }))
            return
          }
          if (grantType === 'refresh_token') {
            const presented = body.get('refresh_token') ?? ''
            const grant = refreshTokens.get(presented)
            if (!grant) {
              json(res, 400, { error: 'invalid_grant' })
              return
            }
            refreshTokens.delete(presented) // rotation
            json(res, 200, await tokens(grant.clientId, { sub: grant.sub }))
            return
          }
          if (grantType === 'client_credentials') {
            const accessToken = random('cc')
            self.secrets.add(accessToken)
            json(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 300 })
            return
          }
          json(res, 400, { error: 'unsupported_grant_type' })
        },
      ],
      ['/userinfo', (_req, res) => json(res, 200, { sub: 'user-1', name: 'User One' })],
      ['/revoke', (_req, res) => res.writeHead(200).end()],
      ['/introspect', (_req, res) => json(res, 200, { active: false })],
    ])

  const self: HostileServer = {
    origin,
    issuer: origin,
    metadata: defaultMetadata(origin),
    jwks: { keys: [rsa.publicJwk, ec.publicJwk] },
    rsa,
    ec,
    attackerRsa,
    attackerEc,
    secrets: new Set(),
    bodies: new Map(),
    bytesWritten: new Map(),
    count: (path) => counts.get(path) ?? 0,
    on: (path, handler) => {
      handlers.set(path, handler)
    },
    reset() {
      self.issuer = origin
      self.metadata = defaultMetadata(origin)
      self.jwks = { keys: [rsa.publicJwk, ec.publicJwk] }
      counts.clear()
      codes.clear()
      refreshTokens.clear()
      self.bodies.clear()
      self.bytesWritten.clear()
      handlers.clear()
      for (const [path, handler] of defaults()) handlers.set(path, handler)
    },
    authorize(authorizationUrl, extra) {
      const url = new URL(authorizationUrl)
      const params = url.searchParams
      const code = random('code')
      self.secrets.add(code)
      codes.set(code, {
        clientId: params.get('client_id') ?? '',
        redirectUri: params.get('redirect_uri') ?? '',
        codeChallenge: params.get('code_challenge'),
        codeChallengeMethod: params.get('code_challenge_method'),
        nonce: params.get('nonce'),
        scope: params.get('scope') ?? '',
      })
      const callback = new URL(params.get('redirect_uri') ?? 'http://127.0.0.1/cb')
      callback.searchParams.set('code', code)
      const state = params.get('state')
      if (state) callback.searchParams.set('state', state)
      callback.searchParams.set('iss', self.issuer)
      for (const [name, value] of Object.entries(extra ?? {})) {
        if (value === null) callback.searchParams.delete(name)
        else callback.searchParams.set(name, value)
      }
      return callback
    },
    mintJwt,
    mintIdToken,
    async signRaw(header, claims, key = rsa) {
      const input = `${b64url(JSON.stringify({ alg: key.alg, kid: key.kid, ...header }))}.${b64url(JSON.stringify(claims))}`
      const algorithm =
        key.alg === 'RS256' ? { name: 'RSASSA-PKCS1-v1_5' } : { name: 'ECDSA', hash: 'SHA-256' }
      const signature = await crypto.subtle.sign(
        algorithm,
        key.privateKey,
        new TextEncoder().encode(input),
      )
      const jwt = `${input}.${b64url(new Uint8Array(signature))}`
      self.secrets.add(jwt)
      return jwt
    },
    unsignedJwt(claims, header) {
      const jwt = `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT', ...header }))}.${b64url(JSON.stringify(claims))}.`
      self.secrets.add(jwt)
      return jwt
    },
    async hs256WithPublicKey(claims) {
      const jwt = await new SignJWT(claims as JWTPayload)
        .setProtectedHeader({ alg: 'HS256', kid: rsa.kid, typ: 'JWT' })
        .sign(new TextEncoder().encode(rsaPem))
      self.secrets.add(jwt)
      return jwt
    },
    tokens,
    async close() {
      for (const socket of sockets) socket.destroy()
      http.closeAllConnections()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    },
  }
  self.reset()
  return self
}
