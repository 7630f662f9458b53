// Token encryption against the devserver (a real oidc-provider with `features.encryption`):
// the `web-encrypted` client receives encrypted ID Tokens, UserInfo and introspection responses
// (OIDC Core §10.2, RFC 9701) and reads them with its decryption key; an API reads encrypted
// JWT access tokens (RFC 9068 §2.1) minted by `mintAccessToken({ encrypt })`.
import { generateKeyPairSync } from 'node:crypto'
import { createEncryptedStore, createMemorySessionStore } from '@oauthkit/core'
import { type DevServer, startDevServer } from '@oauthkit/devserver'
import {
  createAccessTokenVerifier,
  createServerClient,
  type ServerClient,
  type ServerClientOptions,
} from '@oauthkit/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const REDIRECT = 'http://127.0.0.1:5173/callback'
const CLIENT = 'web-encrypted'

let server: DevServer
beforeAll(async () => {
  server = await startDevServer()
})
afterAll(() => server.close())

function client(options: Partial<ServerClientOptions> = {}): ServerClient {
  const registered = server.clients[CLIENT]
  return createServerClient({
    issuer: server.issuer,
    clientId: CLIENT,
    clientSecret: registered?.clientSecret as string,
    decryptionKeys: [registered?.decryptionJwk as never],
    allowInsecureRequests: true,
    ...options,
  })
}

async function login(web: ServerClient) {
  const { url, transaction } = await web.buildAuthorizationUrl({
    redirectUri: REDIRECT,
    scope: 'openid profile email',
  })
  return { callback: await server.login(url, { user: 'alice' }), transaction }
}

const header = (jwe: string) =>
  JSON.parse(Buffer.from(jwe.split('.')[0] as string, 'base64url').toString('utf8'))

describe('the web-encrypted client (OIDC Core §10.2) with its decryption key', () => {
  it('runs the code flow with an encrypted ID Token, then encrypted UserInfo, refresh and introspection', async () => {
    const web = client()
    const { callback, transaction } = await login(web)
    const session = await web.authorizationCodeGrant(callback, transaction)
    const { tokenSet } = session
    // What the server sent: a JWE to the client's key, kept as received.
    expect(tokenSet.idToken?.split('.')).toHaveLength(5)
    expect(header(tokenSet.idToken as string)).toMatchObject({
      alg: 'ECDH-ES',
      enc: 'A256GCM',
      kid: server.clients[CLIENT]?.decryptionJwk?.kid,
    })
    // Decrypted, then validated and signature-checked like any ID Token.
    expect(session.claims).toMatchObject({
      sub: 'user-alice',
      iss: server.issuer,
      aud: CLIENT,
      nonce: transaction.nonce,
    })

    const userInfo = await web.fetchUserInfo(tokenSet.accessToken, {
      expectedSubject: 'user-alice',
    })
    expect(userInfo).toMatchObject({ sub: 'user-alice', email: 'alice@example.com' })

    const refreshed = await web.refreshTokenGrant(session)
    expect(refreshed.tokenSet.idToken?.split('.')).toHaveLength(5)
    expect(refreshed.claims).toMatchObject({ sub: 'user-alice' })
    expect(refreshed.pendingIdToken).toBeUndefined()

    const introspection = await web.introspectToken(refreshed.tokenSet.accessToken, {
      requestJwtResponse: true,
    })
    expect(introspection).toMatchObject({ active: true, sub: 'user-alice', client_id: CLIENT })
  })

  it('the server really encrypts: the raw UserInfo and introspection responses are JWEs', async () => {
    const web = client()
    const { callback, transaction } = await login(web)
    const { accessToken } = (await web.authorizationCodeGrant(callback, transaction)).tokenSet
    const metadata = await web.metadata()
    const userinfo = await fetch(metadata.userinfo_endpoint as string, {
      headers: { authorization: `Bearer ${accessToken}` },
    })
    expect(userinfo.headers.get('content-type')).toMatch(/^application\/jwt/)
    expect((await userinfo.text()).split('.')).toHaveLength(5)
    const introspection = await fetch(metadata.introspection_endpoint as string, {
      method: 'POST',
      headers: {
        authorization: `Basic ${btoa(`${CLIENT}:${server.clients[CLIENT]?.clientSecret}`)}`,
        accept: 'application/token-introspection+jwt',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token: accessToken }),
    })
    expect(introspection.headers.get('content-type')).toMatch(
      /^application\/token-introspection\+jwt/,
    )
    expect((await introspection.text()).split('.')).toHaveLength(5)
  })

  it('without a decryption key, or with the wrong one, the encrypted ID Token is refused', async () => {
    const plain = client({ decryptionKeys: undefined })
    const first = await login(plain)
    await expect(
      plain.authorizationCodeGrant(first.callback, first.transaction),
    ).rejects.toMatchObject({
      name: 'OAuthKitError',
      message: expect.stringMatching(/JWE decryption is not configured/),
    })

    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      format: 'jwk',
    })
    const kid = server.clients[CLIENT]?.decryptionJwk?.kid
    const wrong = client({ decryptionKeys: [{ ...stranger, alg: 'ECDH-ES', kid } as never] })
    const second = await login(wrong)
    await expect(
      wrong.authorizationCodeGrant(second.callback, second.transaction),
    ).rejects.toMatchObject({ code: 'ERR_JWE_DECRYPTION_FAILED' })

    const otherKid = client({
      decryptionKeys: [{ ...stranger, alg: 'ECDH-ES', kid: 'old' } as never],
    })
    const third = await login(otherKid)
    await expect(
      otherKid.authorizationCodeGrant(third.callback, third.transaction),
    ).rejects.toMatchObject({ code: 'ERR_JWE_NO_MATCHING_KEY' })
  })

  it('key rotation: the current key among retired ones is picked by kid', async () => {
    const retired = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      format: 'jwk',
    })
    const web = client({
      decryptionKeys: [
        { ...retired, alg: 'ECDH-ES', kid: 'retired' } as never,
        server.clients[CLIENT]?.decryptionJwk as never,
      ],
    })
    const { callback, transaction } = await login(web)
    const session = await web.authorizationCodeGrant(callback, transaction)
    expect(session.claims?.sub).toBe('user-alice')
  })
})

describe('encrypted JWT access tokens from mintAccessToken({ encrypt })', () => {
  it('are accepted by a verifier holding the API key, with every RFC 9068 check still applied', async () => {
    const api = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const privateJwk = {
      ...api.privateKey.export({ format: 'jwk' }),
      alg: 'RSA-OAEP-256',
      kid: 'api-1',
    }
    const verifier = createAccessTokenVerifier({
      issuer: server.issuer,
      audience: server.resource,
      allowInsecureRequests: true,
      decryptionKeys: [privateJwk as never],
      encryption: 'required',
    })
    const token = await server.mintAccessToken({
      ttl: 60,
      sub: 'user-alice',
      scope: 'api:read',
      encrypt: { alg: 'RSA-OAEP-256', enc: 'A256GCM', key: api.publicKey, kid: 'api-1' },
    })
    expect(header(token)).toMatchObject({ alg: 'RSA-OAEP-256', cty: 'at+jwt', kid: 'api-1' })
    expect(await verifier.verify(`Bearer ${token}`, { scopes: ['api:read'] })).toMatchObject({
      iss: server.issuer,
      sub: 'user-alice',
      aud: server.resource,
    })
    await expect(
      verifier.verify(`Bearer ${token}`, { scopes: ['api:write'] }),
    ).rejects.toMatchObject({ status: 403, code: 'ERR_INSUFFICIENT_SCOPE' })
    // A plain token from the same server is refused: this API requires encryption.
    await expect(
      verifier.verify(`Bearer ${await server.mintAccessToken({ ttl: 60 })}`),
    ).rejects.toMatchObject({ status: 401, code: 'ERR_JWE_REQUIRED' })
    // An expired one, although it decrypts, is refused by the inner checks.
    const expired = await server.mintAccessToken({
      ttl: -60,
      encrypt: { alg: 'RSA-OAEP-256', enc: 'A256GCM', key: api.publicKey, kid: 'api-1' },
    })
    await expect(verifier.verify(`Bearer ${expired}`)).rejects.toMatchObject({
      status: 401,
      error_description: 'the access token expired',
    })
  })

  it('ECDH-ES+A256KW tokens too, and a verifier without the key refuses them', async () => {
    const api = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const privateJwk = { ...api.privateKey.export({ format: 'jwk' }), alg: 'ECDH-ES+A256KW' }
    const token = await server.mintAccessToken({
      ttl: 60,
      encrypt: { alg: 'ECDH-ES+A256KW', enc: 'A128GCM', key: api.publicKey },
    })
    const options = {
      issuer: server.issuer,
      audience: server.resource,
      allowInsecureRequests: true,
    }
    const withKey = createAccessTokenVerifier({ ...options, decryptionKeys: [privateJwk as never] })
    expect((await withKey.verify(token)).client_id).toBe('service')
    await expect(createAccessTokenVerifier(options).verify(token)).rejects.toMatchObject({
      status: 401,
      code: 'ERR_JWE_NOT_ACCEPTED',
    })
  })
})

describe('tokens at rest: createEncryptedStore() around the client-credentials cache', () => {
  it('caches client-credentials tokens as ciphertext, and serves them from there', async () => {
    const memory = createMemorySessionStore()
    const raw = new Map<string, unknown>()
    const spy = {
      get: memory.get.bind(memory),
      delete: memory.delete.bind(memory),
      async set(key: string, value: never, options: never) {
        raw.set(key, value)
        await memory.set(key, value, options)
      },
    }
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
      'encrypt',
      'decrypt',
    ])
    const service = createServerClient({
      issuer: server.issuer,
      clientId: 'service',
      clientSecret: server.clients.service?.clientSecret as string,
      allowInsecureRequests: true,
      tokenCache: { store: createEncryptedStore(spy, { keys: [{ id: 'k1', key }] }) },
    })
    const first = await service.clientCredentials({ scope: 'api:read', resource: server.resource })
    const [sealed] = [...raw.values()]
    expect(sealed).toMatchObject({ oauthkit_sealed: 1, kid: 'k1' })
    expect(JSON.stringify(sealed)).not.toContain(first.accessToken)
    const again = await service.clientCredentials({ scope: 'api:read', resource: server.resource })
    expect(again.accessToken).toBe(first.accessToken)
    expect(raw.size).toBe(1)
  })
})
