/**
 * Refresh (RFC 6749 §6, RFC 9700 §4.14) and client credentials (RFC 6749 §4.4) at the core
 * level: rotation, a kept refresh token, refusals that are final and never retried.
 */
import { clientCredentialsGrant, refreshTokenGrant } from '@oauthkit/core'
import { describe, expect, it } from 'vitest'
import { CLIENT_ID, contextFor, useHostileServer } from './fixture.js'
import { expectRefusal } from './helpers.js'
import { json, resetSocket } from './hostile-server.js'

const server = useHostileServer()

describe('refresh', () => {
  it('rotation: a response with a new refresh_token replaces both tokens', async () => {
    const context = await contextFor(server())
    const first = await server().tokens(CLIENT_ID)
    const { tokenSet } = await refreshTokenGrant(context, first.refresh_token as string, {
      expectedSubject: 'user-1',
    })
    expect(tokenSet.accessToken).not.toBe(first.access_token)
    expect(tokenSet.refreshToken).toMatch(/^rt-/)
    expect(tokenSet.refreshToken).not.toBe(first.refresh_token)
    // The old refresh token is spent at the server: a replay of it is refused.
    await expectRefusal(
      refreshTokenGrant(context, first.refresh_token as string),
      'ERR_OAUTH_RESPONSE',
      server().secrets,
    )
  })

  it('a response without refresh_token keeps the one presented', async () => {
    server().on('/token', (_q, res) =>
      json(res, 200, { access_token: 'at-no-rotation-1', token_type: 'Bearer', expires_in: 60 }),
    )
    const context = await contextFor(server())
    const { tokenSet } = await refreshTokenGrant(context, 'rt-kept-across-refresh')
    expect(tokenSet).toMatchObject({
      accessToken: 'at-no-rotation-1',
      refreshToken: 'rt-kept-across-refresh',
    })
  })

  it('an empty refresh_token in the response does not replace the one presented', async () => {
    server().on('/token', (_q, res) =>
      json(res, 200, { access_token: 'at-empty-rt-001', token_type: 'Bearer', refresh_token: '' }),
    )
    const context = await contextFor(server())
    const result = refreshTokenGrant(context, 'rt-kept-across-refresh')
    // Either refused outright or the presented token kept: never an empty refresh token stored.
    const outcome = await result.then(
      (value) => value.tokenSet.refreshToken,
      (err: { code?: string }) => err.code,
    )
    expect(['rt-kept-across-refresh', 'OAUTH_INVALID_RESPONSE']).toContain(outcome)
  })

  it('invalid_grant is an OAuthResponseError after exactly one request (no retry loop)', async () => {
    server().on('/token', (_q, res) => json(res, 400, { error: 'invalid_grant' }))
    const context = await contextFor(server())
    const err = await expectRefusal(
      refreshTokenGrant(context, 'rt-revoked-by-server'),
      'ERR_OAUTH_RESPONSE',
      ['rt-revoked-by-server'],
    )
    expect(err).toMatchObject({ error: 'invalid_grant', status: 400 })
    expect(server().count('/token')).toBe(1)
  })

  it('a 503 is a typed error after one request, not an OAuth refusal of the grant', async () => {
    server().on('/token', (_q, res) => {
      res.writeHead(503, { 'content-type': 'text/html', 'retry-after': '1' }).end('<h1>down</h1>')
    })
    const context = await contextFor(server())
    const err = await expectRefusal(
      refreshTokenGrant(context, 'rt-while-server-down'),
      'ERR_SERVER',
      ['rt-while-server-down'],
    )
    expect(err).toMatchObject({ status: 503 })
    expect((err as { error?: string }).error).toBeUndefined()
    expect(server().count('/token')).toBe(1)
  })

  it('a reset is ERR_NETWORK after one request, not an OAuth refusal of the grant', async () => {
    server().on('/token', resetSocket)
    const context = await contextFor(server())
    await expectRefusal(refreshTokenGrant(context, 'rt-while-server-resets'), 'ERR_NETWORK', [
      'rt-while-server-resets',
    ])
    expect(server().count('/token')).toBe(1)
  })
})

describe('client credentials (core, uncached)', () => {
  it('invalid_client is an OAuthResponseError after one request, secret not in the error', async () => {
    server().on('/token', (_q, res) =>
      json(res, 401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic realm="as"' }),
    )
    const { ClientSecretPost } = await import('oauth4webapi')
    const context = await contextFor(
      server(),
      {},
      { clientAuth: ClientSecretPost('s3cr3t-client-secret') },
    )
    const err = await expectRefusal(clientCredentialsGrant(context), 'ERR_OAUTH_RESPONSE', [
      's3cr3t-client-secret',
    ])
    expect(err).toMatchObject({ error: 'invalid_client', status: 401 })
    expect(server().count('/token')).toBe(1)
  })
})
