/**
 * ID Token validation (OpenID Connect Core §3.1.3.7, RFC 8725): an ID Token that is unsigned,
 * signed with the wrong key or algorithm, malformed, or names the wrong issuer, audience,
 * subject, time or nonce is refused, and no tokens from its response are returned.
 */
import {
  authorizationCodeGrant,
  buildAuthorizationUrl,
  type ClientContext,
  fetchUserInfo,
  refreshTokenGrant,
} from '@oauthkit/core'
import { describe, expect, it } from 'vitest'
import { CLIENT_ID, contextFor, REDIRECT_URI, useHostileServer } from './fixture.js'
import { expectRefusal } from './helpers.js'
import { b64url, type HostileServer, json } from './hostile-server.js'

const server = useHostileServer()

/** Starts a login for `scope`; `finish` redeems the code the server answers it with. */
async function startLogin(scope = 'openid') {
  const context: ClientContext = await contextFor(server())
  const { url, transaction } = await buildAuthorizationUrl(context, {
    redirectUri: REDIRECT_URI,
    scope,
  })
  const finish = () => authorizationCodeGrant(context, server().authorize(url), transaction)
  return { transaction, finish }
}

/** The token endpoint answers fresh tokens with the ID Token `idToken` makes, or none without it. */
function answerTokens(idToken?: (server: HostileServer) => Promise<unknown> | unknown) {
  server().on('/token', async (_q, res, { server }) => {
    const tokens = await server.tokens(CLIENT_ID, { idToken: false })
    json(res, 200, idToken ? { ...tokens, id_token: await idToken(server) } : tokens)
  })
}

/**
 * Runs a login whose token response carries the ID Token `make` returns (given the request's
 * nonce), and expects it refused with `code`. Checks that no secret leaks.
 */
async function refusedLogin(
  make: (nonce: string, server: HostileServer) => Promise<string> | string,
  code: string | RegExp,
  setup?: (server: HostileServer) => void,
) {
  setup?.(server())
  const { transaction, finish } = await startLogin()
  const nonce = transaction.nonce as string
  answerTokens((server) => make(nonce, server))
  const err = await expectRefusal(finish(), code, [...server().secrets, transaction.codeVerifier])
  expect(server().count('/token')).toBe(1)
  expect(server().count('/userinfo')).toBe(0)
  return err
}

const now = () => Math.floor(Date.now() / 1000)
const claims = (nonce: string, extra: Record<string, unknown> = {}) => ({
  iss: server().issuer,
  sub: 'user-1',
  aud: CLIENT_ID,
  iat: now(),
  exp: now() + 300,
  nonce,
  ...extra,
})

describe('ID Token', () => {
  it('control: a correctly signed RS256 ID Token and an ES256 one are accepted', async () => {
    for (const key of [server().rsa, server().ec]) {
      const { transaction, finish } = await startLogin()
      answerTokens((server) => server.mintIdToken(CLIENT_ID, { nonce: transaction.nonce }, { key }))
      const result = await finish()
      expect(result.claims?.sub).toBe('user-1')
    }
  })

  // Unsigned and algorithm-confusion forgeries: refused as invalid, and still refused (as an
  // unsupported algorithm) when the server's metadata advertises the forged alg.
  const forgeries: [
    string,
    string,
    (nonce: string, s: HostileServer) => Promise<string> | string,
  ][] = [
    ['alg: none', 'none', (nonce, s) => s.unsignedJwt(claims(nonce))],
    [
      'HS256 signed with the server RSA public key (algorithm confusion)',
      'HS256',
      (nonce, s) => s.hs256WithPublicKey(claims(nonce)),
    ],
  ]
  for (const [name, alg, forge] of forgeries) {
    it(`refuses ${name}`, async () => {
      await refusedLogin(forge, 'OAUTH_INVALID_RESPONSE')
    })
    it(`refuses ${name} even when the server advertises ${alg} in its metadata`, async () => {
      await refusedLogin(forge, 'OAUTH_UNSUPPORTED_OPERATION', (s) => {
        s.metadata.id_token_signing_alg_values_supported = [alg, 'RS256']
      })
    })
  }

  it('refuses alg: NONE spelled in capitals', async () => {
    await refusedLogin(
      (nonce, s) => s.unsignedJwt(claims(nonce), { alg: 'NONE' }),
      'OAUTH_INVALID_RESPONSE',
    )
  })

  it('control: a hand-signed ID Token (signRaw) is accepted, so signRaw-based refusals are meaningful', async () => {
    const { transaction, finish } = await startLogin()
    answerTokens((server) => server.signRaw({ typ: 'JWT' }, claims(transaction.nonce as string)))
    const result = await finish()
    expect(result.claims?.sub).toBe('user-1')
  })

  it('refuses an RS256 ID Token signed by a key not in the JWKS (same kid)', async () => {
    await refusedLogin(
      (nonce, s) => s.mintJwt(claims(nonce), { key: s.attackerRsa }),
      'OAUTH_INVALID_RESPONSE',
    )
  })

  it('refuses an ES256 ID Token signed by a key not in the JWKS (same kid)', async () => {
    await refusedLogin(
      (nonce, s) => s.mintJwt(claims(nonce), { key: s.attackerEc }),
      'OAUTH_INVALID_RESPONSE',
    )
  })

  it('refuses a validly signed ID Token whose payload was swapped (sub: admin)', async () => {
    await refusedLogin(async (nonce, s) => {
      const genuine = await s.mintJwt(claims(nonce))
      const [header, , signature] = genuine.split('.')
      return `${header}.${b64url(JSON.stringify(claims(nonce, { sub: 'admin' })))}.${signature}`
    }, 'OAUTH_INVALID_RESPONSE')
  })

  it('refuses an ID Token whose signature was stripped', async () => {
    await refusedLogin(async (nonce, s) => {
      const genuine = await s.mintJwt(claims(nonce))
      return `${genuine.split('.').slice(0, 2).join('.')}.`
    }, 'OAUTH_INVALID_RESPONSE')
  })

  it('ignores a key offered in the jwk header and never fetches jku or x5u', async () => {
    let fetched = 0
    server().on('/attacker-jwks', (_q, res) => {
      fetched++
      json(res, 200, { keys: [server().attackerRsa.publicJwk] })
    })
    server().on('/attacker-cert', (_q, res) => {
      fetched++
      res.writeHead(200).end()
    })
    await refusedLogin(
      (nonce, s) =>
        s.mintJwt(claims(nonce), {
          key: s.attackerRsa,
          header: {
            kid: 'attacker',
            jwk: s.attackerRsa.publicJwk,
            jku: `${s.origin}/attacker-jwks`,
            x5u: `${s.origin}/attacker-cert`,
          },
        }),
      'OAUTH_KEY_SELECTION_FAILED',
    )
    expect(fetched).toBe(0)
  })

  it('refuses a token with the crit header naming an unknown extension', async () => {
    await refusedLogin(
      (nonce, s) => s.signRaw({ crit: ['urn:attacker:ext'], 'urn:attacker:ext': 1 }, claims(nonce)),
      'OAUTH_UNSUPPORTED_OPERATION',
    )
  })

  it('refuses a malformed ID Token with two segments', async () => {
    await refusedLogin(async (nonce, s) => {
      const [h, p] = (await s.mintJwt(claims(nonce))).split('.')
      return `${h}.${p}`
    }, 'OAUTH_INVALID_RESPONSE')
  })

  it('refuses a malformed ID Token with four segments', async () => {
    await refusedLogin(
      async (nonce, s) => `${await s.mintJwt(claims(nonce))}.AAAA`,
      'OAUTH_INVALID_RESPONSE',
    )
  })

  it('refuses a malformed ID Token whose header is not base64url', async () => {
    await refusedLogin(
      async (nonce, s) => `%%%.${(await s.mintJwt(claims(nonce))).split('.').slice(1).join('.')}`,
      'OAUTH_PARSE_ERROR',
    )
  })

  it('refuses a malformed ID Token whose payload is not JSON', async () => {
    await refusedLogin(async (nonce, s) => {
      const [h, , sig] = (await s.mintJwt(claims(nonce))).split('.')
      return `${h}.${b64url('not json {')}.${sig}`
    }, 'OAUTH_PARSE_ERROR')
  })

  it('refuses an ID Token whose payload is a JSON array', async () => {
    await refusedLogin(async (nonce, s) => {
      const [h, , sig] = (await s.mintJwt(claims(nonce))).split('.')
      return `${h}.${b64url('[1,2,3]')}.${sig}`
    }, 'OAUTH_INVALID_RESPONSE')
  })

  it('refuses an id_token that is not a string', async () => {
    await refusedLogin(() => ({ sub: 'admin' }) as unknown as string, 'OAUTH_INVALID_RESPONSE')
  })

  for (const [title, extra, code] of [
    ['another issuer in iss', { iss: 'https://evil.example' }, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED'],
    [
      'an iss differing by a trailing slash',
      { iss: 'TRAILING' },
      'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
    ],
    ['no iss', { iss: undefined }, 'OAUTH_INVALID_RESPONSE'],
    ['another client in aud', { aud: 'other-client' }, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED'],
    ['no aud', { aud: undefined }, 'OAUTH_INVALID_RESPONSE'],
    [
      'extra audiences and no azp',
      { aud: [CLIENT_ID, 'other-client'] },
      'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
    ],
    [
      'extra audiences and an azp of another client',
      { aud: [CLIENT_ID, 'other-client'], azp: 'other-client' },
      'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
    ],
    ['no sub', { sub: undefined }, 'OAUTH_INVALID_RESPONSE'],
    ['a numeric sub', { sub: 42 }, 'OAUTH_INVALID_RESPONSE'],
    ['no iat', { iat: undefined }, 'OAUTH_INVALID_RESPONSE'],
    ['no exp', { exp: undefined }, 'OAUTH_INVALID_RESPONSE'],
    ['an exp one hour ago (expired)', { exp: -3600 }, 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED'],
    ['an nbf one hour ahead', { nbf: 3600 }, 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED'],
    [
      'another nonce (replayed ID Token)',
      { nonce: 'nonce-of-another-login' },
      'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
    ],
    ['no nonce', { nonce: undefined }, 'OAUTH_INVALID_RESPONSE'],
    // The checks oauth4webapi leaves to its caller (OIDC Core §2, §3.1.3.7).
    ['an azp of another client (single audience)', { azp: 'other-client' }, 'ERR_ID_TOKEN_INVALID'],
    ['an iat one hour ahead', { iat: 3600 }, 'ERR_ID_TOKEN_INVALID'],
    ['a sub of 256 characters', { sub: 'x'.repeat(256) }, 'ERR_ID_TOKEN_INVALID'],
    ['an empty sub', { sub: '' }, 'ERR_ID_TOKEN_INVALID'],
    ['a sub with a line break', { sub: 'user-1\nadmin' }, 'ERR_ID_TOKEN_INVALID'],
    ['a non-ASCII sub', { sub: 'usér-1' }, 'ERR_ID_TOKEN_INVALID'],
    ['an amr that is not an array', { amr: 'pwd' }, 'ERR_ID_TOKEN_INVALID'],
    ['an acr that is not a string', { acr: 1 }, 'ERR_ID_TOKEN_INVALID'],
    [
      'an at_hash of another access token',
      { at_hash: 'AAAAAAAAAAAAAAAAAAAAAA' },
      'ERR_ID_TOKEN_INVALID',
    ],
  ] as const) {
    it(`refuses an ID Token with ${title}`, async () => {
      await refusedLogin((nonce, s) => {
        const all: Record<string, unknown> = claims(nonce, extra)
        if (all.iss === 'TRAILING') all.iss = `${s.issuer}/`
        for (const name of ['exp', 'nbf', 'iat'] as const) {
          if (typeof extra[name as keyof typeof extra] === 'number') {
            all[name] = now() + (extra[name as keyof typeof extra] as number)
          }
        }
        for (const [name, value] of Object.entries(all)) if (value === undefined) delete all[name]
        return s.mintJwt(all)
      }, code)
    })
  }

  it('refuses a missing ID Token when openid was requested', async () => {
    const { transaction, finish } = await startLogin()
    answerTokens()
    await expectRefusal(finish(), 'OAUTH_INVALID_RESPONSE', [
      ...server().secrets,
      transaction.codeVerifier,
    ])
  })

  it('refuses an unrequested ID Token (no openid scope) signed by an attacker key', async () => {
    const { transaction, finish } = await startLogin('api:read')
    answerTokens((server) => server.mintIdToken(CLIENT_ID, {}, { key: server.attackerRsa }))
    await expectRefusal(finish(), 'OAUTH_INVALID_RESPONSE', [
      ...server().secrets,
      transaction.codeVerifier,
    ])
  })

  it('refuses a UserInfo response for another sub than the ID Token names', async () => {
    server().on('/userinfo', (_q, res) =>
      json(res, 200, { sub: 'attacker', email: 'a@evil.example' }),
    )
    const context = await contextFor(server())
    await expectRefusal(
      fetchUserInfo(context, 'at-held-by-the-client-9', { expectedSubject: 'user-1' }),
      'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
      ['at-held-by-the-client-9'],
    )
  })

  it('refuses a refresh response whose ID Token names another sub', async () => {
    const context = await contextFor(server())
    const first = await server().tokens(CLIENT_ID, { sub: 'user-1' })
    await expectRefusal(
      refreshTokenGrant(context, first.refresh_token as string, { expectedSubject: 'user-2' }),
      'ERR_SUBJECT_MISMATCH',
      server().secrets,
    )
    expect(server().count('/token')).toBe(1)
  })

  it('refuses a refresh response whose ID Token is signed by an attacker key', async () => {
    const context = await contextFor(server())
    answerTokens((server) => server.mintIdToken(CLIENT_ID, {}, { key: server.attackerRsa }))
    await expectRefusal(
      refreshTokenGrant(context, 'rt-presented-refresh-token-value', { expectedSubject: 'user-1' }),
      'OAUTH_INVALID_RESPONSE',
      [...server().secrets, 'rt-presented-refresh-token-value'],
    )
  })

  it('control: an at_hash of the access token it came with is accepted', async () => {
    const { transaction, finish } = await startLogin()
    server().on('/token', async (_q, res, { server }) => {
      const tokens = await server.tokens(CLIENT_ID, { idToken: false })
      const digest = new Uint8Array(
        await crypto.subtle.digest(
          'SHA-256',
          new TextEncoder().encode(String(tokens.access_token)),
        ),
      )
      const atHash = Buffer.from(digest.slice(0, 16)).toString('base64url')
      const idToken = await server.mintIdToken(CLIENT_ID, {
        nonce: transaction.nonce,
        at_hash: atHash,
      })
      json(res, 200, { ...tokens, id_token: idToken })
    })
    await expect(finish()).resolves.toMatchObject({ claims: { at_hash: expect.any(String) } })
  })

  it('refuses a login without auth_time, or an old one, when max_age was requested', async () => {
    for (const authTime of [undefined, now() - 600]) {
      const context = await contextFor(server())
      const { url, transaction } = await buildAuthorizationUrl(context, {
        redirectUri: REDIRECT_URI,
        scope: 'openid',
        extraParams: { max_age: '60' },
      })
      expect(transaction.maxAge).toBe(60)
      answerTokens((s) =>
        s.mintIdToken(CLIENT_ID, { nonce: transaction.nonce, auth_time: authTime }),
      )
      await expectRefusal(
        authorizationCodeGrant(context, server().authorize(url), transaction),
        /OAUTH_/,
        server().secrets,
      )
    }
  })

  // OIDC Core §12.2: a refreshed ID Token describes the same authentication of the same user.
  for (const [title, change] of [
    ['another aud', { aud: [CLIENT_ID, 'other'], azp: CLIENT_ID }],
    ['another auth_time', { auth_time: 1 }],
    ['a nonce the first one did not have', { nonce: 'new-nonce' }],
  ] as const) {
    it(`refuses a refreshed ID Token with ${title}`, async () => {
      const context = await contextFor(server())
      const previous = {
        iss: server().issuer,
        sub: 'user-1',
        aud: CLIENT_ID,
        auth_time: now() - 10,
        iat: now(),
        exp: now() + 300,
      }
      answerTokens((s) => s.mintIdToken(CLIENT_ID, { auth_time: previous.auth_time, ...change }))
      await expectRefusal(
        refreshTokenGrant(context, 'rt-presented-refresh-token-value', {
          previousClaims: previous,
        }),
        'ERR_ID_TOKEN_INVALID',
        [...server().secrets, 'rt-presented-refresh-token-value'],
      )
    })
  }

  it('control: a refreshed ID Token whose aud is the same set, as an array, is accepted', async () => {
    const context = await contextFor(server())
    const previous = {
      iss: server().issuer,
      sub: 'user-1',
      aud: CLIENT_ID,
      iat: now(),
      exp: now() + 300,
    }
    answerTokens((s) => s.mintIdToken(CLIENT_ID, { aud: [CLIENT_ID] }))
    const result = await refreshTokenGrant(context, 'rt-presented-refresh-token-value', {
      previousClaims: previous,
    })
    expect(result.claims?.sub).toBe('user-1')
  })

  it('refuses a refreshed ID Token that drops the azp the first one had', async () => {
    const context = await contextFor(server())
    const previous = {
      iss: server().issuer,
      sub: 'user-1',
      aud: CLIENT_ID,
      azp: CLIENT_ID,
      iat: now(),
      exp: now() + 300,
    }
    answerTokens((s) => s.mintIdToken(CLIENT_ID, {}))
    await expectRefusal(
      refreshTokenGrant(context, 'rt-presented-refresh-token-value', { previousClaims: previous }),
      'ERR_ID_TOKEN_INVALID',
      [...server().secrets, 'rt-presented-refresh-token-value'],
    )
  })

  it('control: a refreshed ID Token for the same authentication is accepted', async () => {
    const context = await contextFor(server())
    const previous = {
      iss: server().issuer,
      sub: 'user-1',
      aud: CLIENT_ID,
      auth_time: now() - 10,
      iat: now(),
      exp: now() + 300,
    }
    answerTokens((s) => s.mintIdToken(CLIENT_ID, { auth_time: previous.auth_time }))
    const result = await refreshTokenGrant(context, 'rt-presented-refresh-token-value', {
      previousClaims: previous,
    })
    expect(result.claims?.sub).toBe('user-1')
  })
})
