/**
 * Token endpoint responses (RFC 6749 §5.1-5.2) and the transport under them: a response that is
 * not a token response, an OAuth error, a body too large to hold, a server that never answers or
 * hangs up, is refused with a typed error, and the single-use code is never sent twice.
 */
import {
  authorizationCodeGrant,
  buildAuthorizationUrl,
  clientCredentialsGrant,
  createClientContext,
  discover,
  refreshTokenGrant,
} from '@oauthkit/core'
import { describe, expect, it } from 'vitest'
import { CLIENT_ID, contextFor, REDIRECT_URI, useHostileServer } from './fixture.js'
import { expectRefusal } from './helpers.js'
import {
  type Handler,
  hang,
  html,
  hugeBody,
  json,
  resetMidBody,
  resetSocket,
  startHostileServer,
} from './hostile-server.js'

const server = useHostileServer()

/** Runs a login whose token request is answered by `handler`; expects `code`. */
async function refusedExchange(handler: Handler, code: string | RegExp, timeout?: number) {
  server().on('/token', handler)
  const context = await contextFor(server(), timeout ? { timeout } : {})
  const { url, transaction } = await buildAuthorizationUrl(context, {
    redirectUri: REDIRECT_URI,
    scope: 'openid',
  })
  const err = await expectRefusal(
    authorizationCodeGrant(context, server().authorize(url), transaction),
    code,
    [...server().secrets, transaction.codeVerifier],
  )
  // A code exchange is never retried: codes are single-use (RFC 6749 §4.1.2).
  expect(server().count('/token')).toBe(1)
  return err
}

describe('token endpoint', () => {
  it('refuses an HTML page with status 200', async () => {
    await refusedExchange((_q, res) => html(res), 'OAUTH_RESPONSE_IS_NOT_JSON')
  })

  it('refuses HTML labelled application/json', async () => {
    await refusedExchange(
      (_q, res) => json(res, 200, '<html><body>hi</body></html>'),
      'OAUTH_PARSE_ERROR',
    )
  })

  it('refuses a JSON array', async () => {
    await refusedExchange(
      (_q, res) => json(res, 200, [{ access_token: 'x' }]),
      'OAUTH_INVALID_RESPONSE',
    )
  })

  it('refuses JSON null', async () => {
    await refusedExchange((_q, res) => json(res, 200, 'null'), 'OAUTH_INVALID_RESPONSE')
  })

  it('refuses a JSON string', async () => {
    await refusedExchange((_q, res) => json(res, 200, '"at-string"'), 'OAUTH_INVALID_RESPONSE')
  })

  it('refuses a response without access_token', async () => {
    await refusedExchange(
      (_q, res) => json(res, 200, { token_type: 'Bearer', expires_in: 300 }),
      'OAUTH_INVALID_RESPONSE',
    )
  })

  it('refuses a numeric access_token', async () => {
    await refusedExchange(
      (_q, res) => json(res, 200, { access_token: 12345678, token_type: 'Bearer' }),
      'OAUTH_INVALID_RESPONSE',
    )
  })

  it('refuses an object access_token', async () => {
    await refusedExchange(
      (_q, res) => json(res, 200, { access_token: { value: 'x' }, token_type: 'Bearer' }),
      'OAUTH_INVALID_RESPONSE',
    )
  })

  it('refuses a response without token_type', async () => {
    await refusedExchange(
      (_q, res) => json(res, 200, { access_token: 'at-no-type-123' }),
      'OAUTH_INVALID_RESPONSE',
    )
  })

  it('refuses an unknown token_type (mac)', async () => {
    await refusedExchange(
      (_q, res) => json(res, 200, { access_token: 'at-mac-token-123', token_type: 'mac' }),
      'OAUTH_UNSUPPORTED_OPERATION',
    )
  })

  it('refuses a negative expires_in', async () => {
    await refusedExchange(
      (_q, res) =>
        json(res, 200, { access_token: 'at-negative-123', token_type: 'Bearer', expires_in: -1 }),
      'OAUTH_INVALID_RESPONSE',
    )
  })

  it('refuses a non-numeric expires_in', async () => {
    await refusedExchange(
      (_q, res) =>
        json(res, 200, {
          access_token: 'at-nan-1234567',
          token_type: 'Bearer',
          expires_in: 'soon',
        }),
      'OAUTH_INVALID_RESPONSE',
    )
  })

  it('refuses a non-string refresh_token', async () => {
    await refusedExchange(
      (_q, res) =>
        json(res, 200, { access_token: 'at-rt-object-1', token_type: 'Bearer', refresh_token: {} }),
      'OAUTH_INVALID_RESPONSE',
    )
  })

  it('maps invalid_grant to OAuthResponseError with status 400', async () => {
    const err = await refusedExchange(
      (_q, res) => json(res, 400, { error: 'invalid_grant', error_description: 'code expired' }),
      'ERR_OAUTH_RESPONSE',
    )
    expect(err).toMatchObject({
      name: 'OAuthResponseError',
      error: 'invalid_grant',
      error_description: 'code expired',
      status: 400,
    })
  })

  it('maps invalid_client (401) to OAuthResponseError', async () => {
    const err = await refusedExchange(
      (_q, res) => json(res, 401, { error: 'invalid_client' }),
      'ERR_OAUTH_RESPONSE',
    )
    expect(err).toMatchObject({ error: 'invalid_client', status: 401 })
  })

  it('refuses an OAuth error body sent with status 200', async () => {
    await refusedExchange(
      (_q, res) => json(res, 200, { error: 'invalid_grant' }),
      'OAUTH_INVALID_RESPONSE',
    )
  })

  it('does not follow a redirect of the token request (code would go to another host)', async () => {
    let followed = 0
    const elsewhere = await startHostileServer()
    elsewhere.on('/steal', (_q, res) => {
      followed++
      json(res, 200, { access_token: 'at-stolen-1234', token_type: 'Bearer' })
    })
    try {
      await refusedExchange((_q, res) => {
        res.writeHead(307, { location: `${elsewhere.origin}/steal` }).end()
      }, 'OAUTH_RESPONSE_IS_NOT_CONFORM')
      expect(followed).toBe(0)
    } finally {
      await elsewhere.close()
    }
  })

  it('refuses a streamed 50 MB body at the 1 MiB cap without reading it all', async () => {
    const before = process.memoryUsage().heapUsed
    await refusedExchange(hugeBody(50 * 1024 * 1024), 'ERR_RESPONSE_TOO_LARGE')
    // Stopped reading near the cap: the server could only push what socket buffers hold.
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(server().bytesWritten.get('/token') ?? 0).toBeLessThan(16 * 1024 * 1024)
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(32 * 1024 * 1024)
  })

  it('refuses a 50 MB body by its declared content-length before reading it', async () => {
    await refusedExchange(hugeBody(50 * 1024 * 1024, true), 'ERR_RESPONSE_TOO_LARGE')
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(server().bytesWritten.get('/token') ?? 0).toBeLessThan(16 * 1024 * 1024)
  })

  it('times out a server that accepts the request and never answers', async () => {
    const started = Date.now()
    await refusedExchange(hang, 'ERR_TIMEOUT', 200)
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  it('an AbortSignal cancels a hanging token request at once', async () => {
    server().on('/token', hang)
    const context = await contextFor(server(), { timeout: 10_000 })
    const { url, transaction } = await buildAuthorizationUrl(context, {
      redirectUri: REDIRECT_URI,
      scope: 'openid',
    })
    const controller = new AbortController()
    const pending = authorizationCodeGrant(context, server().authorize(url), transaction, {
      signal: controller.signal,
    })
    await new Promise((resolve) => setTimeout(resolve, 50))
    const aborted = Date.now()
    controller.abort()
    await expectRefusal(pending, 'ERR_ABORTED', [...server().secrets, transaction.codeVerifier])
    expect(Date.now() - aborted).toBeLessThan(100)
    expect(server().count('/token')).toBe(1)
  })

  it('an AbortSignal set in the client context cancels too', async () => {
    server().on('/token', hang)
    const controller = new AbortController()
    const context = await contextFor(server(), { timeout: 10_000, signal: controller.signal })
    const pending = clientCredentialsGrant(context)
    setTimeout(() => controller.abort(), 20)
    await expectRefusal(pending, 'ERR_ABORTED', server().secrets)
  })

  it('maps a connection reset before any response to ERR_NETWORK and does not retry the code', async () => {
    await refusedExchange(resetSocket, 'ERR_NETWORK')
  })

  it('maps a connection reset in the middle of the body to a typed error and does not retry the code', async () => {
    await refusedExchange(resetMidBody, 'ERR_NETWORK')
  })
})

describe('network', () => {
  it('maps connection refused to ERR_NETWORK', async () => {
    const gone = await startHostileServer()
    const metadata = await discover(gone.issuer, { allowInsecureRequests: true })
    await gone.close()
    const context = createClientContext({
      metadata,
      clientId: CLIENT_ID,
      http: { allowInsecureRequests: true, timeout: 2_000 },
    })
    await expectRefusal(refreshTokenGrant(context, 'rt-held-by-the-client-1'), 'ERR_NETWORK', [
      'rt-held-by-the-client-1',
    ])
  })

  it('maps a DNS failure (.invalid host) to ERR_NETWORK', async () => {
    await expectRefusal(
      discover('http://as.invalid', { allowInsecureRequests: true, timeout: 5_000 }),
      'ERR_NETWORK',
    )
  })

  it('maps a DNS failure of the token endpoint to ERR_NETWORK without leaking the refresh token', async () => {
    server().metadata.token_endpoint = 'http://token.invalid/token'
    const context = await contextFor(server(), { timeout: 5_000 })
    await expectRefusal(refreshTokenGrant(context, 'rt-held-by-the-client-2'), 'ERR_NETWORK', [
      'rt-held-by-the-client-2',
    ])
  })
})
