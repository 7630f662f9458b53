// The same faults through the real global fetch (undici), intercepted by nock at the HTTP layer:
// proves the error mapping holds for the errors undici really throws, not only for injected ones.
import { createServerClient } from '@oauthkit/node'
import nock from 'nock'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { issuer, metadata } from './fake-authorization-server.js'

beforeAll(() => {
  nock.disableNetConnect()
})
afterEach(() => {
  nock.cleanAll()
})
afterAll(() => {
  nock.enableNetConnect()
  nock.restore()
})

function client(timeout = 1_000) {
  // Discovery is cached per issuer for the process, so later tests may not use this one.
  nock(issuer).get('/.well-known/openid-configuration').optionally().reply(200, metadata)
  return createServerClient({ issuer, clientId: 'svc', clientSecret: 's3cret', timeout })
}

describe('real fetch faults (nock)', () => {
  it('connection reset → ERR_NETWORK', async () => {
    const c = client()
    nock(issuer).post('/token').replyWithError({ code: 'ECONNRESET', message: 'socket hang up' })
    await expect(c.clientCredentials()).rejects.toMatchObject({ code: 'ERR_NETWORK' })
  })

  it('a response slower than the timeout → ERR_TIMEOUT, quickly', async () => {
    const c = client(150)
    nock(issuer)
      .post('/token')
      .delay(5_000)
      .reply(200, { access_token: 'late', token_type: 'Bearer', expires_in: 60 })
    const started = Date.now()
    await expect(c.clientCredentials()).rejects.toMatchObject({ code: 'ERR_TIMEOUT' })
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  it('a 502 HTML page → ERR_SERVER with its status; then a good answer is cached', async () => {
    const c = client()
    nock(issuer)
      .post('/token')
      .reply(502, '<html>bad gateway</html>', { 'content-type': 'text/html' })
      .post('/token')
      .reply(200, { access_token: 'good', token_type: 'Bearer', expires_in: 60 })
    await expect(c.clientCredentials()).rejects.toMatchObject({ code: 'ERR_SERVER', status: 502 })
    await expect(c.clientCredentials()).resolves.toMatchObject({ accessToken: 'good' })
    await expect(c.clientCredentials()).resolves.toMatchObject({ accessToken: 'good' })
    // Both token answers were consumed, the third call was served from the cache.
    expect(nock.pendingMocks().filter((mock) => mock.includes('/token'))).toEqual([])
  })

  it('a body over 1 MiB → ERR_RESPONSE_TOO_LARGE', async () => {
    const c = client()
    nock(issuer)
      .post('/token')
      .reply(200, `{"access_token":"${'a'.repeat(1_100_000)}","token_type":"Bearer"}`, {
        'content-type': 'application/json',
      })
    await expect(c.clientCredentials()).rejects.toMatchObject({ code: 'ERR_RESPONSE_TOO_LARGE' })
  })
})
