import { SignJWT } from 'jose'

/** What the fake server saw, per endpoint. */
export interface Seen {
  path: string
  grantType?: string
  token?: string
}

interface Grant {
  codeChallenge: string
  nonce: string | undefined
  redirectUri: string
  dpopJkt: string | undefined
}

export interface FakeServerOptions {
  /** `expires_in` of access tokens. */
  expiresIn?: number
  /** Extra discovery metadata. */
  metadata?: Record<string, unknown>
  /** Whether refresh responses carry a new ID Token (OIDC Core §12.2 allows both). Default false. */
  idTokenOnRefresh?: boolean
  /** Whether token responses carry a refresh token. Default true. */
  refreshTokens?: boolean
  /**
   * Whether spending a rotated refresh token kills its whole family (RFC 9700 §4.14.2). Default
   * true; servers without reuse detection only refuse the spent token.
   */
  reuseDetection?: boolean
}

/**
 * A tiny in-process authorization server answering through an injected `fetch`: discovery, PAR,
 * token (code + PKCE, refresh with rotation on every use and reuse detection), revocation.
 * ID Tokens are ES256-signed with `nonce`, `iss`, `aud`, `exp`, `iat`.
 */
export async function createFakeAuthorizationServer(options: FakeServerOptions = {}) {
  const issuer = 'https://as.example'
  const clientId = 'spa'
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ])
  const codes = new Map<string, Grant>()
  const refreshTokens = new Map<string, { sub: string; current: boolean }>()
  const seen: Seen[] = []
  let counter = 0
  let tokens = 0
  const state = {
    expiresIn: options.expiresIn ?? 3600,
    /** Next token-endpoint answer: an HTTP status, or 'network' for a transport failure. */
    failNext: undefined as number | 'network' | undefined,
    /** Everything fails like a server that is down. */
    down: false,
    /** While set, the token endpoint answers only once this settles: a request held in flight. */
    hold: undefined as Promise<void> | undefined,
    /**
     * While set, the token endpoint processes a request (rotating its refresh token) and holds
     * the answer until this settles: a response lost in transit, or slow to arrive.
     */
    holdAnswer: undefined as Promise<void> | undefined,
    /** While set, revocation requests wait for this to settle. */
    holdRevocation: undefined as Promise<void> | undefined,
    /** The JWKS endpoint fails: an HTTP status, or 'network' for a transport failure. */
    jwksFailure: undefined as number | 'network' | undefined,
    requestUris: new Map<string, URLSearchParams>(),
  }
  const metadata = {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    revocation_endpoint: `${issuer}/revoke`,
    end_session_endpoint: `${issuer}/logout`,
    pushed_authorization_request_endpoint: `${issuer}/par`,
    jwks_uri: `${issuer}/jwks`,
    authorization_response_iss_parameter_supported: true,
    id_token_signing_alg_values_supported: ['ES256'],
    code_challenge_methods_supported: ['S256'],
    ...options.metadata,
  }

  const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    })

  async function idToken(sub: string, nonce: string | undefined) {
    const now = Math.floor(Date.now() / 1000)
    return new SignJWT({ sub, name: 'Ada', ...(nonce ? { nonce } : {}) })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(issuer)
      .setAudience(clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(keys.privateKey)
  }

  async function issue(sub: string, nonce: string | undefined, withIdToken: boolean) {
    const refreshToken = `rt-${++tokens}`
    const withRefreshToken = options.refreshTokens !== false
    if (withRefreshToken) refreshTokens.set(refreshToken, { sub, current: true })
    return json({
      access_token: `at-${tokens}`,
      token_type: 'Bearer',
      expires_in: state.expiresIn,
      ...(withRefreshToken ? { refresh_token: refreshToken } : {}),
      scope: 'openid offline_access',
      ...(withIdToken ? { id_token: await idToken(sub, nonce) } : {}),
    })
  }

  async function token(body: URLSearchParams): Promise<Response> {
    const grantType = body.get('grant_type') ?? ''
    if (grantType === 'authorization_code') {
      const grant = codes.get(body.get('code') ?? '')
      codes.delete(body.get('code') ?? '') // single use
      const verifier = body.get('code_verifier') ?? ''
      const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))
      const challenge = Buffer.from(digest).toString('base64url')
      if (
        !grant ||
        grant.codeChallenge !== challenge ||
        grant.redirectUri !== body.get('redirect_uri')
      ) {
        return json({ error: 'invalid_grant' }, 400)
      }
      return issue('user-1', grant.nonce, true)
    }
    if (grantType === 'refresh_token') {
      const entry = refreshTokens.get(body.get('refresh_token') ?? '')
      if (!entry?.current) {
        // Reuse detection (RFC 9700 §4.14.2): the whole family dies.
        if (options.reuseDetection !== false) {
          for (const value of refreshTokens.values()) value.current = false
        }
        return json({ error: 'invalid_grant' }, 400)
      }
      entry.current = false
      return issue(entry.sub, undefined, options.idTokenOnRefresh === true)
    }
    return json({ error: 'unsupported_grant_type' }, 400)
  }

  const fetchImpl: typeof fetch = async (input, init) => {
    const request = new Request(input, init)
    const url = new URL(request.url)
    const body = new URLSearchParams(request.method === 'POST' ? await request.text() : '')
    const entry: Seen = { path: url.pathname }
    if (body.has('grant_type')) entry.grantType = body.get('grant_type') ?? ''
    if (body.has('token')) entry.token = body.get('token') ?? ''
    seen.push(entry)
    if (state.down) throw new TypeError('fetch failed')
    if (url.origin !== issuer)
      return json({ ok: true, authorization: request.headers.get('authorization') })
    switch (url.pathname) {
      case '/.well-known/openid-configuration':
        return json(metadata)
      case '/jwks': {
        if (state.jwksFailure === 'network') throw new TypeError('fetch failed')
        if (state.jwksFailure) return json({ error: 'server_error' }, state.jwksFailure)
        const jwk = await crypto.subtle.exportKey('jwk', keys.publicKey)
        return json({ keys: [{ ...jwk, kid: 'k1', alg: 'ES256', use: 'sig' }] })
      }
      case '/par': {
        const uri = `urn:ietf:params:oauth:request_uri:${++counter}`
        state.requestUris.set(uri, body)
        return json({ request_uri: uri, expires_in: 60 }, 201)
      }
      case '/token': {
        await state.hold
        const failure = state.failNext
        state.failNext = undefined
        if (failure === 'network') throw new TypeError('fetch failed')
        if (failure) return json({ error: 'server_error' }, failure)
        const answer = await token(body)
        await state.holdAnswer
        return answer
      }
      case '/revoke': {
        await state.holdRevocation
        // RFC 7009 §2.1: revoking a refresh token. Unknown tokens are not an error.
        const entry = refreshTokens.get(body.get('token') ?? '')
        if (entry) entry.current = false
        return new Response(null, { status: 200 })
      }
      default:
        return json({ error: 'not_found' }, 404)
    }
  }

  /**
   * Plays the user at the authorization endpoint: records the request and returns the callback
   * URL with `code`, `state` and `iss`.
   */
  function authorize(authorizationUrl: string, override: { iss?: string } = {}): string {
    const url = new URL(authorizationUrl)
    let params = url.searchParams
    const requestUri = params.get('request_uri')
    if (requestUri) params = state.requestUris.get(requestUri) ?? new URLSearchParams()
    const code = `code-${++counter}`
    codes.set(code, {
      codeChallenge: params.get('code_challenge') ?? '',
      nonce: params.get('nonce') ?? undefined,
      redirectUri: params.get('redirect_uri') ?? '',
      dpopJkt: params.get('dpop_jkt') ?? undefined,
    })
    const callback = new URL(params.get('redirect_uri') ?? '')
    callback.searchParams.set('code', code)
    callback.searchParams.set('state', params.get('state') ?? '')
    callback.searchParams.set('iss', override.iss ?? issuer)
    return callback.href
  }

  const count = (grantType: string) => seen.filter((entry) => entry.grantType === grantType).length
  /** The refresh tokens the server would still accept: neither spent nor revoked. */
  const activeRefreshTokens = () =>
    [...refreshTokens].filter(([, entry]) => entry.current).map(([value]) => value)

  return {
    issuer,
    clientId,
    fetch: fetchImpl,
    authorize,
    seen,
    state,
    count,
    activeRefreshTokens,
  }
}
