import { inspect } from 'node:util'
import {
  isOAuthKitError,
  isOAuthResponseError,
  OAuthKitError,
  OAuthResponseError,
  toOAuthKitError,
} from '@oauthkit/core'
import { invalidArgument } from '@oauthkit/core/internal'
import * as oauth from 'oauth4webapi'
import { describe, expect, it } from 'vitest'

const secret = 'at-SECRET-token-value'
const as = { issuer: 'https://as.example.com', token_endpoint: 'https://as.example.com/token' }
const client = { client_id: 'app' }

async function oauthError(response: Response): Promise<unknown> {
  return oauth.processClientCredentialsResponse(as, client, response).catch((e: unknown) => e)
}

describe('toOAuthKitError()', () => {
  it('maps an OAuth error response to OAuthResponseError, wire fields kept', async () => {
    const err = toOAuthKitError(
      await oauthError(
        Response.json({ error: 'invalid_scope', error_description: 'nope' }, { status: 400 }),
      ),
    )
    expect(err).toBeInstanceOf(OAuthResponseError)
    expect(err).toMatchObject({
      code: 'ERR_OAUTH_RESPONSE',
      error: 'invalid_scope',
      error_description: 'nope',
      status: 400,
    })
  })

  it("keeps oauth4webapi's code for processing errors and sanitises the cause", async () => {
    const original = await oauthError(Response.json({ token_type: 'Bearer', secret }))
    const err = toOAuthKitError(original) as OAuthKitError
    expect(err).toBeInstanceOf(OAuthKitError)
    expect(err.code).toBe('OAUTH_INVALID_RESPONSE')
    for (const text of [JSON.stringify(err), inspect(err, { depth: 10 }), String(err.cause)]) {
      expect(text).not.toContain(secret)
    }
  })

  it('never carries a response body with a token into the cause', async () => {
    const original = await oauthError(
      Response.json({ error: 'invalid_grant', access_token: secret }, { status: 400 }),
    )
    expect(inspect(original, { depth: 10 })).toContain(secret) // oauth4webapi keeps the body
    const err = toOAuthKitError(original)
    expect(inspect(err, { depth: 10 })).not.toContain(secret)
    expect(JSON.stringify(err)).not.toContain(secret)
  })

  it('maps timeouts, aborts and transport failures', () => {
    expect(toOAuthKitError(new DOMException('t', 'TimeoutError'))).toMatchObject({
      code: 'ERR_TIMEOUT',
    })
    expect(toOAuthKitError(new DOMException('a', 'AbortError'))).toMatchObject({
      code: 'ERR_ABORTED',
    })
    expect(
      toOAuthKitError(new TypeError('fetch failed', { cause: new Error('ECONNRESET') })),
    ).toMatchObject({ code: 'ERR_NETWORK' })
    expect(toOAuthKitError('weird')).toMatchObject({ code: 'ERR_UNEXPECTED' })
  })

  it('leaves status out of a front-channel error, and error_description when none was sent', () => {
    const err = toOAuthKitError(
      new oauth.AuthorizationResponseError('x', {
        cause: new URLSearchParams({ error: 'access_denied' }),
      }),
    ) as OAuthResponseError
    expect(err).toMatchObject({ code: 'ERR_OAUTH_RESPONSE', error: 'access_denied' })
    expect(Object.hasOwn(err, 'status')).toBe(false)
    expect(Object.hasOwn(err, 'error_description')).toBe(false)
  })

  it('maps a 5xx without an OAuth error to ERR_SERVER with its status, not a protocol violation', async () => {
    for (const [response, status] of [
      [
        new Response('<h1>down</h1>', { status: 503, headers: { 'content-type': 'text/html' } }),
        503,
      ],
      [new Response(null, { status: 502 }), 502],
      // oauth4webapi reads OAuth error bodies of 4xx only (RFC 6749 §5.2): a 500 is a failure.
      [Response.json({ error: 'server_error', access_token: secret }, { status: 500 }), 500],
    ] as const) {
      const err = toOAuthKitError(await oauthError(response)) as OAuthKitError
      expect(err).toBeInstanceOf(OAuthKitError)
      expect(err).not.toBeInstanceOf(OAuthResponseError)
      expect(err).toMatchObject({ code: 'ERR_SERVER', status })
      expect(err.message).toBe(`server responded with HTTP ${status}`)
      expect(inspect(err, { depth: 10 })).not.toContain(secret)
    }
  })

  it('keeps a 4xx or 3xx that is not an OAuth error a protocol violation, without status', async () => {
    for (const response of [
      Response.json({ unexpected: true }, { status: 400 }),
      new Response(null, { status: 307, headers: { location: 'https://evil.example.com' } }),
    ]) {
      const err = toOAuthKitError(await oauthError(response)) as OAuthKitError
      expect(err.code).toBe('OAUTH_RESPONSE_IS_NOT_CONFORM')
      expect(Object.hasOwn(err, 'status')).toBe(false)
    }
  })

  it('passes argument errors and oauthkit errors through unchanged', () => {
    const arg = invalidArgument('scope', 'a string')
    expect(toOAuthKitError(arg)).toBe(arg)
    const own = new OAuthKitError('x', { code: 'ERR_TIMEOUT' })
    expect(toOAuthKitError(own)).toBe(own)
  })
})

describe('isOAuthKitError()', () => {
  it('checks the shape, so a second copy of core is recognised', () => {
    const foreign = Object.assign(new Error('x'), {
      name: 'OAuthResponseError',
      code: 'ERR_OAUTH_RESPONSE',
      error: 'invalid_grant',
    })
    expect(isOAuthKitError(foreign)).toBe(true)
    expect(isOAuthResponseError(foreign)).toBe(true)
    expect(
      isOAuthKitError(
        Object.assign(new Error('x'), { name: 'AccessTokenError', code: 'ERR_INVALID_TOKEN' }),
      ),
    ).toBe(true)
    expect(isOAuthKitError(new Error('x'))).toBe(false)
    expect(isOAuthKitError({ name: 'OAuthKitError', code: 'X' })).toBe(false)
    expect(isOAuthResponseError(new OAuthKitError('x', { code: 'ERR_TIMEOUT' }))).toBe(false)
  })

  it('argument errors name the parameter, never the value', () => {
    const err = invalidArgument('clientSecret', 'a non-empty string')
    expect(err).toBeInstanceOf(TypeError)
    expect(err).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' })
    expect(err.message).toBe('"clientSecret" must be a non-empty string')
  })
  it('classifies a body that stopped arriving as a transport failure, and bad JSON as a parse error', async () => {
    const interrupted = (reason: unknown) =>
      new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"access_token":"'))
            controller.error(reason)
          },
        }),
        { headers: { 'content-type': 'application/json' } },
      )
    const reset = toOAuthKitError(await oauthError(interrupted(new TypeError('terminated'))))
    expect(reset).toMatchObject({ code: 'ERR_NETWORK' })
    const timedOut = toOAuthKitError(
      await oauthError(interrupted(new DOMException('timed out', 'TimeoutError'))),
    )
    expect(timedOut).toMatchObject({ code: 'ERR_TIMEOUT' })
    const badJson = toOAuthKitError(
      await oauthError(
        new Response('{"access_token":', { headers: { 'content-type': 'application/json' } }),
      ),
    )
    expect(badJson).toMatchObject({ code: 'OAUTH_PARSE_ERROR' })
  })
})
