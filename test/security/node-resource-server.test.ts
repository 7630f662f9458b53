/**
 * `createAccessTokenVerifier().verify()` (RFC 9068 JWT access tokens, RFC 6750 bearer usage,
 * RFC 8725 algorithm hygiene) against tokens a hostile party mints: each is refused with an
 * AccessTokenError carrying the RFC 6750 status and challenge, never the token.
 */
import { createAccessTokenVerifier } from '@oauthkit/node'
import { describe, expect, it } from 'vitest'
import { AUDIENCE, accessTokenClaims, useHostileServer } from './fixture.js'
import { expectRefusal } from './helpers.js'
import { b64url } from './hostile-server.js'

const server = useHostileServer()

const verifier = () =>
  createAccessTokenVerifier({
    issuer: server().issuer,
    audience: AUDIENCE,
    allowInsecureRequests: true,
    timeout: 2_000,
  })

const now = () => Math.floor(Date.now() / 1000)
const claims = (extra?: Record<string, unknown>) => accessTokenClaims(server(), extra)
const atJwt = (extra?: Record<string, unknown>, header: Record<string, unknown> = {}) =>
  server().mintJwt(claims(extra), { header: { typ: 'at+jwt', ...header } })

/** Expects `verify` to refuse `token` with `code` and the RFC 6750 `status`. */
async function refused(
  token: string | Request,
  code: string | RegExp,
  status: 400 | 401 | 403,
  scopes?: string[],
) {
  const err = await expectRefusal(
    verifier().verify(
      typeof token === 'string' ? `Bearer ${token}` : token,
      scopes ? { scopes } : {},
    ),
    code,
    [...server().secrets, typeof token === 'string' ? token : ''],
  )
  expect(err).toMatchObject({ name: 'AccessTokenError', status })
  const challenge = (err as unknown as { wwwAuthenticate: string }).wwwAuthenticate
  expect(challenge).toMatch(/^Bearer/)
  if (typeof token === 'string') expect(challenge).not.toContain(token)
  return err
}

describe('resource server', () => {
  it('control: a valid RS256 and an ES256 at+jwt are accepted', async () => {
    expect((await verifier().verify(`Bearer ${await atJwt()}`)).sub).toBe('user-1')
    const es = await server().mintJwt(claims(), { key: server().ec, header: { typ: 'at+jwt' } })
    expect((await verifier().verify(`Bearer ${es}`)).sub).toBe('user-1')
  })

  it('refuses a token whose typ is JWT, not at+jwt (an ID Token replayed as an access token)', async () => {
    await refused(await atJwt({}, { typ: 'JWT' }), 'OAUTH_INVALID_RESPONSE', 401)
  })

  it('refuses a token without typ', async () => {
    await refused(await server().signRaw({}, claims()), 'OAUTH_INVALID_RESPONSE', 401)
  })

  it('refuses a token from another issuer', async () => {
    await refused(
      await atJwt({ iss: 'https://evil.example' }),
      'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      401,
    )
  })

  it('refuses a token for another audience', async () => {
    await refused(
      await atJwt({ aud: 'https://other-api.example' }),
      'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      401,
    )
  })

  it('refuses a token without aud', async () => {
    await refused(await atJwt({ aud: undefined }), 'OAUTH_INVALID_RESPONSE', 401)
  })

  it('refuses an expired token', async () => {
    await refused(
      await atJwt({ exp: now() - 3600, iat: now() - 7200 }),
      'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
      401,
    )
  })

  it('refuses alg: none', async () => {
    await refused(server().unsignedJwt(claims(), { typ: 'at+jwt' }), 'ERR_JWT_MALFORMED', 401)
  })

  it('refuses HS256 signed with the issuer RSA public key (algorithm confusion)', async () => {
    const token = await server().hs256WithPublicKey(claims())
    await refused(token, 'ERR_JWT_INVALID', 401)
  })

  it('refuses a token signed by a key not in the JWKS (same kid)', async () => {
    const token = await server().mintJwt(claims(), {
      key: server().attackerRsa,
      header: { typ: 'at+jwt' },
    })
    await refused(token, 'OAUTH_INVALID_RESPONSE', 401)
  })

  it('ignores a key offered in the jwk/jku header and never fetches it', async () => {
    let fetched = 0
    server().on('/attacker-jwks', () => {
      fetched++
    })
    const token = await server().mintJwt(claims(), {
      key: server().attackerRsa,
      header: {
        typ: 'at+jwt',
        kid: 'attacker-kid',
        jwk: server().attackerRsa.publicJwk,
        jku: `${server().origin}/attacker-jwks`,
      },
    })
    await refused(token, 'ERR_JWKS_NO_MATCHING_KEY', 401)
    expect(fetched).toBe(0)
  })

  it('a missing scope is insufficient_scope with status 403', async () => {
    const err = await refused(await atJwt({ scope: 'api:read' }), 'ERR_INSUFFICIENT_SCOPE', 403, [
      'api:write',
    ])
    expect(err).toMatchObject({ error: 'insufficient_scope' })
    expect((err as unknown as { wwwAuthenticate: string }).wwwAuthenticate).toContain(
      'error="insufficient_scope"',
    )
  })

  it('a scope that only prefixes the required one is not a match', async () => {
    await refused(await atJwt({ scope: 'api:writer' }), 'ERR_INSUFFICIENT_SCOPE', 403, [
      'api:write',
    ])
  })

  it('refuses a token in the query string, before any signature work', async () => {
    const token = await atJwt()
    const request = new Request(`https://api.example/orders?access_token=${token}`)
    await refused(request, 'ERR_INVALID_REQUEST', 400)
    expect(server().count('/jwks')).toBe(0)
  })

  it('refuses a token in the query string even when the header also carries one', async () => {
    const token = await atJwt()
    const request = new Request(`https://api.example/orders?access_token=${token}`, {
      headers: { authorization: `Bearer ${token}` },
    })
    await refused(request, 'ERR_INVALID_REQUEST', 400)
  })

  it('refuses an oversized token before any signature work or key fetch', async () => {
    const huge = `${b64url(JSON.stringify({ alg: 'RS256', typ: 'at+jwt', kid: 'rsa-1' }))}.${'A'.repeat(1_000_000)}.AAAA`
    const started = performance.now()
    await refused(huge, 'ERR_TOKEN_TOO_LARGE', 401)
    // No JWKS request below is the proof; the time only guards against parsing 1 MB as JSON.
    expect(performance.now() - started).toBeLessThan(250)
    expect(server().count('/jwks')).toBe(0)
  })

  it('a request without a token gets a bare Bearer challenge (401, no error code)', async () => {
    const err = await expectRefusal(verifier().verify(undefined), 'ERR_TOKEN_MISSING')
    expect(err).toMatchObject({ status: 401 })
    expect((err as unknown as { wwwAuthenticate: string }).wwwAuthenticate).toBe('Bearer')
  })

  it('refuses a Basic authorization header', async () => {
    await expectRefusal(verifier().verify('Basic dXNlcjpwYXNz'), 'ERR_INVALID_REQUEST')
  })

  it('refuses a malformed token (two segments, not base64url, not JSON)', async () => {
    const good = await atJwt()
    const [h, p] = good.split('.')
    for (const token of [
      `${h}.${p}`,
      `${h}.${p}.${'*'.repeat(10)}`,
      `${b64url('not json')}.${p}.AAAA`,
    ]) {
      await refused(token, 'ERR_JWT_MALFORMED', 401)
    }
  })

  it('a flood of tokens with forged kids costs at most one extra JWKS fetch', async () => {
    const v = verifier()
    await v.verify(`Bearer ${await atJwt()}`)
    const fetchesBefore = server().count('/jwks')
    for (let i = 0; i < 20; i++) {
      const token = await server().mintJwt(claims(), {
        key: server().attackerRsa,
        header: { typ: 'at+jwt', kid: `forged-${i}` },
      })
      await expectRefusal(v.verify(`Bearer ${token}`), 'ERR_JWKS_NO_MATCHING_KEY', [token])
    }
    expect(server().count('/jwks') - fetchesBefore).toBeLessThanOrEqual(1)
  })
})
