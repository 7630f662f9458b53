/**
 * Discovery (RFC 8414 §3, OpenID Connect Discovery §4): the metadata decides where every later
 * request and redirect goes, so a document that names another issuer, an `http:` or
 * `javascript:` endpoint, or no usable token endpoint is refused before anything uses it.
 */
import {
  authorizationCodeGrant,
  buildAuthorizationUrl,
  createClientContext,
  discover,
} from '@oauthkit/core'
import { describe, expect, it } from 'vitest'
import { CLIENT_ID, contextFor, REDIRECT_URI, useHostileServer } from './fixture.js'
import { causeCode, expectRefusal } from './helpers.js'
import { json } from './hostile-server.js'

const server = useHostileServer()
const insecure = { allowInsecureRequests: true, timeout: 2_000 }

/** A fetch that serves `https://as.test/...` from the hostile server (so https is "on"). */
function httpsFacade(): typeof fetch {
  return (input, init) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url)
    if (url.origin !== 'https://as.test') throw new TypeError('fetch failed')
    return fetch(`${server().origin}${url.pathname}${url.search}`, init)
  }
}

describe('discovery', () => {
  it('control: the hostile server in its default behaviour is accepted', async () => {
    const metadata = await discover(server().issuer, insecure)
    expect(metadata.issuer).toBe(server().issuer)
  })

  it('control: a URL-object issuer is compared by normalised href, as documented', async () => {
    const metadata = await discover(new URL(server().origin), insecure)
    expect(metadata.issuer).toBe(server().origin)
  })

  it('refuses a URL-object issuer whose metadata names another server', async () => {
    server().metadata.issuer = 'https://evil.example'
    const err = await expectRefusal(
      discover(new URL(server().origin), insecure),
      'ERR_DISCOVERY_FAILED',
    )
    expect(causeCode(err)).toBe('ERR_ISSUER_MISMATCH')
  })

  it('refuses metadata whose issuer names another server (mix-up)', async () => {
    server().metadata.issuer = 'https://evil.example'
    const err = await expectRefusal(discover(server().issuer, insecure), 'ERR_DISCOVERY_FAILED')
    expect(causeCode(err)).toBe('ERR_ISSUER_MISMATCH')
  })

  it('refuses metadata whose issuer differs from the configured one by a trailing slash', async () => {
    server().metadata.issuer = `${server().origin}/`
    const err = await expectRefusal(discover(server().origin, insecure), 'ERR_DISCOVERY_FAILED')
    expect(causeCode(err)).toBe('ERR_ISSUER_MISMATCH')
  })

  it('refuses metadata whose issuer lacks the trailing slash the configured one has', async () => {
    server().issuer = `${server().origin}/tenant/`
    server().metadata.issuer = `${server().origin}/tenant`
    server().on('/tenant/.well-known/openid-configuration', (_q, res, { server }) =>
      json(res, 200, server.metadata),
    )
    const err = await expectRefusal(
      discover(`${server().origin}/tenant/`, insecure),
      'ERR_DISCOVERY_FAILED',
    )
    expect(causeCode(err)).toBe('ERR_ISSUER_MISMATCH')
  })

  it('refuses metadata whose issuer differs from the configured one in letter case (host)', async () => {
    const configured = server().origin.replace('127.0.0.1', 'localhost')
    server().metadata.issuer = configured.replace('localhost', 'LOCALHOST')
    const err = await expectRefusal(discover(configured, insecure), 'ERR_DISCOVERY_FAILED')
    expect(causeCode(err)).toBe('ERR_ISSUER_MISMATCH')
  })

  it('refuses metadata whose issuer differs from the configured one in letter case (path)', async () => {
    server().metadata.issuer = `${server().origin}/Tenant`
    server().on('/tenant/.well-known/openid-configuration', (_q, res, { server }) =>
      json(res, 200, server.metadata),
    )
    const err = await expectRefusal(
      discover(`${server().origin}/tenant`, insecure),
      'ERR_DISCOVERY_FAILED',
    )
    expect(causeCode(err)).toBe('ERR_ISSUER_MISMATCH')
  })

  it('refuses metadata without an issuer', async () => {
    delete server().metadata.issuer
    await expectRefusal(discover(server().issuer, insecure), 'ERR_DISCOVERY_FAILED')
  })

  it('refuses an https issuer whose metadata names an http: token endpoint without the opt-in', async () => {
    server().metadata.issuer = 'https://as.test'
    server().metadata.token_endpoint = 'http://as.test/token'
    server().metadata.jwks_uri = 'https://as.test/jwks'
    server().metadata.authorization_endpoint = 'https://as.test/authorize'
    const err = await expectRefusal(
      discover('https://as.test', { fetch: httpsFacade() }),
      'ERR_DISCOVERY_FAILED',
    )
    expect(causeCode(err)).toBe('ERR_INSECURE_REQUEST')
    expect(server().count('/token')).toBe(0)
  })

  it('refuses an https issuer whose metadata names an http: authorization endpoint without the opt-in', async () => {
    Object.assign(server().metadata, {
      issuer: 'https://as.test',
      authorization_endpoint: 'http://as.test/authorize',
      token_endpoint: 'https://as.test/token',
      jwks_uri: 'https://as.test/jwks',
    })
    const err = await expectRefusal(
      discover('https://as.test', { fetch: httpsFacade() }),
      'ERR_DISCOVERY_FAILED',
    )
    expect(causeCode(err)).toBe('ERR_INSECURE_REQUEST')
  })

  it('refuses an http: issuer without the insecure-requests opt-in, before any request', async () => {
    const err = await expectRefusal(discover(server().issuer), 'ERR_DISCOVERY_FAILED')
    expect(causeCode(err)).toBe('OAUTH_HTTP_REQUEST_FORBIDDEN')
    expect(server().count('/.well-known/openid-configuration')).toBe(0)
  })

  it('refuses a javascript: authorization endpoint even with the insecure opt-in (no XSS redirect)', async () => {
    server().metadata.authorization_endpoint = 'javascript:alert(document.cookie)//'
    const err = await expectRefusal(discover(server().issuer, insecure), 'ERR_DISCOVERY_FAILED')
    expect(causeCode(err)).toBe('ERR_INSECURE_REQUEST')
  })

  it('refuses a data: end-session endpoint', async () => {
    server().metadata.end_session_endpoint = 'data:text/html,<script>alert(1)</script>'
    const err = await expectRefusal(discover(server().issuer, insecure), 'ERR_DISCOVERY_FAILED')
    expect(causeCode(err)).toBe('ERR_INSECURE_REQUEST')
  })

  it('refuses a javascript: jwks_uri', async () => {
    server().metadata.jwks_uri = 'javascript:fetch("//evil")'
    const err = await expectRefusal(discover(server().issuer, insecure), 'ERR_DISCOVERY_FAILED')
    expect(causeCode(err)).toBe('ERR_INSECURE_REQUEST')
  })

  it('refuses a javascript: token endpoint hidden in mtls_endpoint_aliases', async () => {
    server().metadata.mtls_endpoint_aliases = { token_endpoint: 'javascript:alert(1)' }
    const err = await expectRefusal(discover(server().issuer, insecure), 'ERR_DISCOVERY_FAILED')
    expect(causeCode(err)).toBe('ERR_INSECURE_REQUEST')
  })

  it('refuses metadata without a token_endpoint', async () => {
    delete server().metadata.token_endpoint
    const err = await expectRefusal(discover(server().issuer, insecure), 'ERR_DISCOVERY_FAILED')
    expect(causeCode(err)).toBe('ERR_INVALID_RESPONSE')
  })

  it('refuses metadata whose token_endpoint is not a string', async () => {
    server().metadata.token_endpoint = { href: `${server().origin}/token` }
    const err = await expectRefusal(discover(server().issuer, insecure), 'ERR_DISCOVERY_FAILED')
    expect(causeCode(err)).toBe('ERR_INVALID_RESPONSE')
  })

  it('refuses metadata whose token_endpoint is not a URL', async () => {
    server().metadata.token_endpoint = 'not a url'
    const err = await expectRefusal(discover(server().issuer, insecure), 'ERR_DISCOVERY_FAILED')
    expect(causeCode(err)).toBe('ERR_INVALID_RESPONSE')
  })

  it('refuses a discovery document that is HTML', async () => {
    server().on('/.well-known/openid-configuration', (_q, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hi</html>')
    })
    await expectRefusal(discover(server().issuer, insecure), 'ERR_DISCOVERY_FAILED')
  })

  it('refuses a discovery document that is a JSON array', async () => {
    server().on('/.well-known/openid-configuration', (_q, res) => json(res, 200, [1, 2]))
    await expectRefusal(discover(server().issuer, insecure), 'ERR_DISCOVERY_FAILED')
  })

  it('does not follow a redirect of the discovery request to another host', async () => {
    server().on('/.well-known/openid-configuration', (_q, res) => {
      res.writeHead(302, { location: 'http://127.0.0.2:1/.well-known/openid-configuration' }).end()
    })
    await expectRefusal(discover(server().issuer, insecure), 'ERR_DISCOVERY_FAILED')
  })

  it('forgets a failed discovery instead of caching the refusal or the bad document', async () => {
    server().metadata.issuer = 'https://evil.example'
    await expectRefusal(discover(server().issuer, insecure), 'ERR_DISCOVERY_FAILED')
    server().metadata.issuer = server().issuer
    await expect(discover(server().issuer, insecure)).resolves.toMatchObject({
      issuer: server().issuer,
    })
  })

  it('refuses a JWKS that is not a key set when an ID Token must be verified', async () => {
    server().on('/jwks', (_q, res) => json(res, 200, { keys: 'all of them' }))
    const context = await contextFor(server())
    const { url, transaction } = await buildAuthorizationUrl(context, {
      redirectUri: REDIRECT_URI,
      scope: 'openid',
    })
    const callback = server().authorize(url)
    await expectRefusal(
      authorizationCodeGrant(context, callback, transaction),
      'OAUTH_INVALID_RESPONSE',
      server().secrets,
    )
    expect(server().count('/jwks')).toBe(1)
  })

  it('refuses a JWKS served as HTML when an ID Token must be verified', async () => {
    server().on('/jwks', (_q, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<p>')
    })
    const metadata = await discover(server().issuer, insecure)
    const context = createClientContext({ metadata, clientId: CLIENT_ID, http: insecure })
    const { url, transaction } = await buildAuthorizationUrl(context, {
      redirectUri: REDIRECT_URI,
      scope: 'openid',
    })
    await expectRefusal(
      authorizationCodeGrant(context, server().authorize(url), transaction),
      'OAUTH_RESPONSE_IS_NOT_JSON',
      server().secrets,
    )
  })
})
