// The three adapters (withAccessToken, verifyNodeRequest, accessTokenMiddleware) answer per
// RFC 6750 §3, each the same way. The issuer (discovery and JWKS) lives behind an injected fetch
// and tokens are signed with jose; the node:http adapters run in a real loopback server, so their
// answers are what a client really receives.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  AccessTokenError,
  type AccessTokenVerifier,
  type AuthenticatedRequest,
  accessTokenMiddleware,
  createAccessTokenVerifier,
  isOAuthKitError,
  verifyNodeRequest,
  withAccessToken,
} from '@oauthkit/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  makeSigningKey,
  type SigningKey,
  signAccessToken,
} from '../../../test/fixtures/jwt-issuer.js'

const issuer = 'https://as.adapters.example'
const audience = 'https://api.adapters.example'

let key: SigningKey
let jwks: { keys: object[] }
const issuerFetch: typeof fetch = async (input) => {
  const url = new URL(input instanceof Request ? input.url : String(input))
  if (url.pathname === '/.well-known/openid-configuration') {
    return Response.json({ issuer, jwks_uri: `${issuer}/jwks`, token_endpoint: `${issuer}/token` })
  }
  if (url.pathname === '/jwks') return Response.json(jwks)
  return new Response('not found', { status: 404 })
}
const unreachable: typeof fetch = async () => {
  throw new TypeError('fetch failed', {
    cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
  })
}

const verifier = () => createAccessTokenVerifier({ issuer, audience, fetch: issuerFetch })
const down = () => createAccessTokenVerifier({ issuer, audience, fetch: unreachable })

const sign = (claims: Record<string, unknown> = {}) =>
  signAccessToken(key, { issuer, audience, claims: { scope: 'read', ...claims } })

/** One answer, however the adapter produced it; `nextError` is what the middleware passed on. */
interface Answer {
  status: number
  headers: Headers
  body: Record<string, unknown>
  nextError?: unknown
}

type Call = (
  target: AccessTokenVerifier,
  path: string,
  authorization?: string,
  scopes?: string[],
) => Promise<Answer>

// node:http adapters: a loopback server whose handler is swapped per call.
let server: Server
let base: string
let handle: (req: IncomingMessage, res: ServerResponse) => void = () => {}
beforeAll(async () => {
  key = await makeSigningKey('k1', 'ES256')
  jwks = { keys: [key.jwk] }
  server = createServer((req, res) => handle(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

async function overHttp(path: string, authorization: string | undefined): Promise<Answer> {
  const response = await fetch(
    `${base}${path}`,
    authorization ? { headers: { authorization } } : {},
  )
  const text = await response.text()
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} }
}

const viaFetch: Call = async (target, path, authorization, scopes) => {
  const handler = withAccessToken(
    target,
    (_request, claims) => Response.json({ sub: claims.sub }),
    scopes ? { scopes } : undefined,
  )
  const request = new Request(
    `${audience}${path}`,
    authorization ? { headers: { authorization } } : {},
  )
  const response = await handler(request)
  const text = await response.text()
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} }
}

const viaNode: Call = (target, path, authorization, scopes) => {
  handle = async (req, res) => {
    const claims = await verifyNodeRequest(target, req, res, scopes ? { scopes } : undefined)
    if (!claims) return
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ sub: claims.sub }))
  }
  return overHttp(path, authorization)
}

const viaMiddleware: Call = async (target, path, authorization, scopes) => {
  let nextError: unknown
  handle = (req, res) => {
    accessTokenMiddleware(target, scopes ? { scopes } : undefined)(req, res, (err) => {
      if (err) {
        // What an Express error handler would do; 502 so it is told apart from the adapters' 500.
        nextError = err
        res.writeHead(502).end()
        return
      }
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ sub: (req as AuthenticatedRequest).auth?.sub }))
    })
  }
  return { ...(await overHttp(path, authorization)), nextError }
}

describe.each([
  ['withAccessToken', viaFetch],
  ['verifyNodeRequest', viaNode],
  ['accessTokenMiddleware', viaMiddleware],
] as const)('%s', (_, call) => {
  it('runs the handler with the claims for a valid token', async () => {
    const answer = await call(verifier(), '/orders', `Bearer ${await sign()}`, ['read'])
    expect(answer).toMatchObject({ status: 200, body: { sub: 'user-1' } })
    expect(answer.nextError).toBeUndefined()
  })

  it('401 with a bare Bearer challenge and no error without a token', async () => {
    const answer = await call(verifier(), '/orders')
    expect(answer.status).toBe(401)
    expect(answer.headers.get('www-authenticate')).toBe('Bearer')
    expect(answer.body).not.toHaveProperty('error')
    expect(answer.headers.get('cache-control')).toBe('no-store')
  })

  it('401 invalid_token for a token with a bad signature', async () => {
    const token = await sign()
    const forged = `${token.slice(0, -6)}${token.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA'}`
    const answer = await call(verifier(), '/orders', `Bearer ${forged}`)
    expect(answer.status).toBe(401)
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", /)
    expect(answer.body).toMatchObject({ error: 'invalid_token' })
    expect(JSON.stringify(answer.body)).not.toContain(forged)
  })

  it('401 invalid_token for an expired token', async () => {
    const past = Math.floor(Date.now() / 1000) - 600
    const answer = await call(
      verifier(),
      '/orders',
      `Bearer ${await sign({ iat: past, exp: past + 60 })}`,
    )
    expect(answer.status).toBe(401)
    expect(answer.body).toMatchObject({
      error: 'invalid_token',
      error_description: 'the access token expired',
    })
  })

  it('403 insufficient_scope naming the scope the route needs', async () => {
    const answer = await call(verifier(), '/orders', `Bearer ${await sign()}`, ['read', 'write'])
    expect(answer.status).toBe(403)
    const challenge = answer.headers.get('www-authenticate')
    expect(challenge).toMatch(/^Bearer error="insufficient_scope", /)
    expect(challenge).toContain('scope="read write"')
    expect(answer.body).toMatchObject({ error: 'insufficient_scope' })
  })

  it('400 invalid_request for a token in the query string, which it never echoes', async () => {
    const token = await sign()
    const answer = await call(verifier(), `/orders?access_token=${token}`)
    expect(answer.status).toBe(400)
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_request", /)
    expect(answer.body).toMatchObject({ error: 'invalid_request' })
    expect(JSON.stringify(answer.body)).not.toContain(token.split('.')[2])
  })

  it('400 invalid_request for another scheme', async () => {
    const answer = await call(verifier(), '/orders', `Basic ${btoa('user:password')}`)
    expect(answer.status).toBe(400)
    expect(answer.body).toMatchObject({ error: 'invalid_request' })
  })
})

describe('when the issuer cannot be reached', () => {
  it.each([
    ['withAccessToken', viaFetch],
    ['verifyNodeRequest', viaNode],
  ] as const)('%s answers 500 server_error, without a challenge', async (_, call) => {
    const answer = await call(down(), '/orders', `Bearer ${await sign()}`)
    expect(answer.status).toBe(500)
    expect(answer.headers.get('www-authenticate')).toBeNull()
    expect(answer.body).toEqual({
      error: 'server_error',
      error_description: 'the access token could not be verified',
    })
  })

  it('accessTokenMiddleware passes the OAuthKitError to next(err) and answers nothing itself', async () => {
    const answer = await viaMiddleware(down(), '/orders', `Bearer ${await sign()}`)
    expect(answer.status).toBe(502) // the error handler's answer, not the middleware's
    expect(isOAuthKitError(answer.nextError)).toBe(true)
    expect(answer.nextError).not.toBeInstanceOf(AccessTokenError)
  })

  it('a refusal that needs no issuer is still a 401/400, not a 500', async () => {
    for (const call of [viaFetch, viaNode, viaMiddleware]) {
      const missing = await call(down(), '/orders')
      expect(missing.status).toBe(401)
      expect(missing.nextError).toBeUndefined()
      const bad = await call(down(), '/orders', 'Bearer not-a-jwt')
      expect(bad).toMatchObject({ status: 401, body: { error: 'invalid_token' } })
      const query = await call(down(), `/orders?access_token=${await sign()}`)
      expect(query.status).toBe(400)
    }
  })

  it('requests refused on their header alone cause no request to the issuer', async () => {
    let requests = 0
    const counting: typeof fetch = (input, init) => {
      requests++
      return issuerFetch(input, init)
    }
    const cold = createAccessTokenVerifier({ issuer, audience, fetch: counting })
    for (const call of [viaFetch, viaNode, viaMiddleware]) {
      await call(cold, '/orders')
      await call(cold, '/orders', 'Bearer a.b')
      await call(cold, '/orders', `Basic ${btoa('u:p')}`)
    }
    expect(requests).toBe(0)
    await expect(cold.verify(await sign())).resolves.toMatchObject({ sub: 'user-1' })
    expect(requests).toBe(2) // discovery and JWKS, once a token is worth checking
  })
})

describe('DPoP through the node:http adapters', () => {
  // They see only the Authorization header (not the URL the client called), so they take Bearer
  // tokens only; withAccessToken's DPoP path is proven against the devserver (e2e).
  it.each([
    ['verifyNodeRequest', viaNode],
    ['accessTokenMiddleware', viaMiddleware],
  ] as const)('%s refuses the DPoP scheme with 400 invalid_request', async (_, call) => {
    const answer = await call(verifier(), '/orders', `DPoP ${await sign()}`)
    expect(answer.status).toBe(400)
    expect(answer.body).toMatchObject({ error: 'invalid_request' })
  })
})
