/**
 * The authorization response (RFC 6749 §4.1.2, RFC 9207, RFC 9700 §4.2-4.5) and PKCE (RFC 7636):
 * a forged, replayed or mixed-up callback never reaches the token endpoint.
 */
import { authorizationCodeGrant, buildAuthorizationUrl, type ClientContext } from '@oauthkit/core'
import { describe, expect, it } from 'vitest'
import { contextFor, REDIRECT_URI, useHostileServer } from './fixture.js'
import { expectRefusal } from './helpers.js'
import { s256 } from './hostile-server.js'

const server = useHostileServer()

async function start(context: ClientContext, scope = 'openid offline_access') {
  const { url, transaction } = await buildAuthorizationUrl(context, {
    redirectUri: REDIRECT_URI,
    scope,
  })
  return { url, transaction, secrets: () => [...server().secrets, transaction.codeVerifier] }
}

describe('callback', () => {
  it('control: a correct callback is exchanged once, with the PKCE verifier the server checks', async () => {
    const context = await contextFor(server())
    const { url, transaction } = await start(context)
    const result = await authorizationCodeGrant(context, server().authorize(url), transaction)
    expect(result.tokenSet.accessToken).toMatch(/^at-/)
    expect(result.claims?.sub).toBe('user-1')
    expect(server().count('/token')).toBe(1)
  })

  it('refuses a callback whose state is not the pending one (CSRF), without a token request', async () => {
    const context = await contextFor(server())
    const { url, transaction, secrets } = await start(context)
    const callback = server().authorize(url, { state: 'attacker-state' })
    await expectRefusal(
      authorizationCodeGrant(context, callback, transaction),
      'ERR_STATE_MISMATCH',
      secrets(),
    )
    expect(server().count('/token')).toBe(0)
  })

  it('refuses a callback without state', async () => {
    const context = await contextFor(server())
    const { url, transaction, secrets } = await start(context)
    const callback = server().authorize(url, { state: null })
    await expectRefusal(
      authorizationCodeGrant(context, callback, transaction),
      'ERR_STATE_MISMATCH',
      secrets(),
    )
    expect(server().count('/token')).toBe(0)
  })

  it('refuses a callback that repeats state with a second value (parameter pollution)', async () => {
    const context = await contextFor(server())
    const { url, transaction, secrets } = await start(context)
    const callback = server().authorize(url)
    callback.searchParams.append('state', 'attacker-state')
    await expectRefusal(
      authorizationCodeGrant(context, callback, transaction),
      'OAUTH_INVALID_RESPONSE',
      secrets(),
    )
    expect(server().count('/token')).toBe(0)
  })

  it('refuses a callback whose RFC 9207 iss names another issuer (mix-up), without a token request', async () => {
    const context = await contextFor(server())
    const { url, transaction, secrets } = await start(context)
    const callback = server().authorize(url, { iss: 'https://honest-as.example' })
    const err = await expectRefusal(
      authorizationCodeGrant(context, callback, transaction),
      'ERR_ISSUER_MISMATCH',
      secrets(),
    )
    expect(err.message).toMatch(/iss/)
    expect(server().count('/token')).toBe(0)
  })

  it('refuses a callback without iss when the server advertises authorization_response_iss_parameter_supported', async () => {
    const context = await contextFor(server())
    const { url, transaction, secrets } = await start(context)
    const callback = server().authorize(url, { iss: null })
    await expectRefusal(
      authorizationCodeGrant(context, callback, transaction),
      'ERR_ISSUER_MISMATCH',
      secrets(),
    )
    expect(server().count('/token')).toBe(0)
  })

  it('refuses a callback whose iss differs only by a trailing slash', async () => {
    const context = await contextFor(server())
    const { url, transaction, secrets } = await start(context)
    const callback = server().authorize(url, { iss: `${server().issuer}/` })
    await expectRefusal(
      authorizationCodeGrant(context, callback, transaction),
      'ERR_ISSUER_MISMATCH',
      secrets(),
    )
    expect(server().count('/token')).toBe(0)
  })

  it('refuses an error response whose iss names another issuer as a mix-up, not as its error', async () => {
    const context = await contextFor(server())
    const { url, transaction, secrets } = await start(context)
    const callback = server().authorize(url, {
      code: null,
      error: 'login_required',
      iss: 'https://honest-as.example',
    })
    await expectRefusal(
      authorizationCodeGrant(context, callback, transaction),
      'ERR_ISSUER_MISMATCH',
      secrets(),
    )
  })

  it('refuses a transaction that was started at another issuer', async () => {
    const context = await contextFor(server())
    const { url, transaction, secrets } = await start(context)
    const callback = server().authorize(url)
    await expectRefusal(
      authorizationCodeGrant(context, callback, {
        ...transaction,
        issuer: 'https://other.example',
      }),
      'ERR_ISSUER_MISMATCH',
      secrets(),
    )
    expect(server().count('/token')).toBe(0)
  })

  it('refuses a callback without code, without a token request', async () => {
    const context = await contextFor(server())
    const { url, transaction, secrets } = await start(context)
    const callback = server().authorize(url, { code: null })
    await expectRefusal(
      authorizationCodeGrant(context, callback, transaction),
      'OAUTH_INVALID_RESPONSE',
      secrets(),
    )
    expect(server().count('/token')).toBe(0)
  })

  it('refuses a callback that carries two codes', async () => {
    const context = await contextFor(server())
    const { url, transaction, secrets } = await start(context)
    const callback = server().authorize(url)
    callback.searchParams.append('code', 'code-injected-by-attacker')
    await expectRefusal(
      authorizationCodeGrant(context, callback, transaction),
      'OAUTH_INVALID_RESPONSE',
      secrets(),
    )
    expect(server().count('/token')).toBe(0)
  })

  it('maps error=access_denied to OAuthResponseError carrying error_description as plain text', async () => {
    const context = await contextFor(server())
    const { url, transaction, secrets } = await start(context)
    const description = '<img src=x onerror=alert(1)> user said no'
    const callback = server().authorize(url, {
      code: null,
      error: 'access_denied',
      error_description: description,
    })
    const err = await expectRefusal(
      authorizationCodeGrant(context, callback, transaction),
      'ERR_OAUTH_RESPONSE',
      secrets(),
    )
    expect(err).toMatchObject({ name: 'OAuthResponseError', error: 'access_denied' })
    expect((err as unknown as { error_description: string }).error_description).toBe(description)
    expect(server().count('/token')).toBe(0)
  })

  it('refuses an access_token injected into the query of a code-flow callback', async () => {
    const context = await contextFor(server())
    const { url, transaction, secrets } = await start(context)
    const callback = server().authorize(url, { access_token: 'at-injected-by-attacker' })
    await expectRefusal(
      authorizationCodeGrant(context, callback, transaction),
      'ERR_INVALID_RESPONSE',
      [...secrets(), 'at-injected-by-attacker'],
    )
    expect(server().count('/token')).toBe(0)
  })

  it('refuses an id_token injected into the fragment of a code-flow callback', async () => {
    const context = await contextFor(server())
    const { url, transaction, secrets } = await start(context)
    const callback = server().authorize(url)
    const injected = await server().mintIdToken('security-client', { sub: 'admin' })
    callback.hash = `id_token=${injected}&token_type=Bearer`
    await expectRefusal(
      authorizationCodeGrant(context, callback, transaction),
      'ERR_INVALID_RESPONSE',
      secrets(),
    )
    expect(server().count('/token')).toBe(0)
  })

  it('refuses a JARM response parameter in a plain code-flow callback', async () => {
    const context = await contextFor(server())
    const { url, transaction, secrets } = await start(context)
    const callback = server().authorize(url, { response: 'eyJhbGciOiJub25lIn0.e30.' })
    await expectRefusal(
      authorizationCodeGrant(context, callback, transaction),
      'OAUTH_INVALID_RESPONSE',
      secrets(),
    )
    expect(server().count('/token')).toBe(0)
  })

  it('sends a replayed code only as the caller asks, and the single-use code is refused the second time', async () => {
    const context = await contextFor(server())
    const { url, transaction, secrets } = await start(context)
    const callback = server().authorize(url)
    await authorizationCodeGrant(context, callback, transaction)
    const err = await expectRefusal(
      authorizationCodeGrant(context, callback, transaction),
      'ERR_OAUTH_RESPONSE',
      secrets(),
    )
    expect(err).toMatchObject({ error: 'invalid_grant', status: 400 })
    expect(server().count('/token')).toBe(2)
  })
})

describe('PKCE', () => {
  // RFC 7636 Appendix B.
  const APPENDIX_B_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'
  const APPENDIX_B_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'

  it('the S256 transform used to check the SDK gives the RFC 7636 Appendix B known answer', () => {
    expect(s256(APPENDIX_B_VERIFIER)).toBe(APPENDIX_B_CHALLENGE)
  })

  it('every authorization request carries code_challenge_method=S256 and the S256 of its verifier', async () => {
    const context = await contextFor(server())
    for (const scope of ['openid', 'api:read', 'openid offline_access']) {
      const { url, transaction } = await start(context, scope)
      expect(url.searchParams.get('code_challenge_method')).toBe('S256')
      expect(url.searchParams.getAll('code_challenge')).toEqual([s256(transaction.codeVerifier)])
      expect(url.searchParams.has('code_verifier')).toBe(false)
      expect(url.href).not.toContain(transaction.codeVerifier)
      // RFC 7636 §4.1: 43-128 characters of the unreserved set.
      expect(transaction.codeVerifier).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/)
    }
  })

  it('extraParams cannot downgrade PKCE to plain or replace the challenge, state or nonce', async () => {
    const context = await contextFor(server())
    const { url, transaction } = await buildAuthorizationUrl(context, {
      redirectUri: REDIRECT_URI,
      scope: 'openid',
      extraParams: {
        code_challenge_method: 'plain',
        code_challenge: 'attacker-chosen',
        state: 'attacker-state',
        nonce: 'attacker-nonce',
        response_type: 'token',
        redirect_uri: 'https://evil.example/cb',
      },
    })
    expect(url.searchParams.getAll('code_challenge_method')).toEqual(['S256'])
    expect(url.searchParams.getAll('code_challenge')).toEqual([s256(transaction.codeVerifier)])
    expect(url.searchParams.getAll('state')).toEqual([transaction.state])
    expect(url.searchParams.getAll('nonce')).toEqual([transaction.nonce])
    expect(url.searchParams.getAll('response_type')).toEqual(['code'])
    expect(url.searchParams.getAll('redirect_uri')).toEqual([REDIRECT_URI])
  })

  it('a server that advertises only plain PKCE still gets S256', async () => {
    server().metadata.code_challenge_methods_supported = ['plain']
    const context = await contextFor(server())
    const { url } = await start(context)
    expect(url.searchParams.get('code_challenge_method')).toBe('S256')
  })

  it('every login gets a fresh verifier, state and nonce', async () => {
    const context = await contextFor(server())
    const seen = {
      codeVerifier: new Set<string>(),
      state: new Set<string>(),
      nonce: new Set<string>(),
    }
    for (let i = 0; i < 20; i++) {
      const { transaction } = await start(context)
      seen.codeVerifier.add(transaction.codeVerifier)
      seen.state.add(transaction.state)
      seen.nonce.add(transaction.nonce ?? '')
    }
    expect(seen.codeVerifier.size).toBe(20)
    expect(seen.state.size).toBe(20)
    expect(seen.nonce.size).toBe(20)
    for (const value of [...seen.state, ...seen.nonce])
      expect(value.length).toBeGreaterThanOrEqual(22)
  })
})
