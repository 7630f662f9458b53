import { generateKeyPairSync } from 'node:crypto'
import { type DevServer, startDevServer } from '@oauthkit/devserver'
import * as jose from 'jose'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { discover, insecure } from './helpers/devserver-oauth.js'

let server: DevServer
let as: oauth.AuthorizationServer
let jwks: ReturnType<typeof jose.createRemoteJWKSet>

beforeAll(async () => {
  server = await startDevServer()
  as = await discover(server.issuer)
  jwks = jose.createRemoteJWKSet(new URL(as.jwks_uri as string))
})
afterAll(() => server.close())

/**
 * Validates a token the way a resource server for `resource` would (RFC 9068 §4), without
 * oauth4webapi's default 30 s clock tolerance, as the dev server itself has none.
 */
const validate = (token: string, resource = server.resource) =>
  oauth.validateJwtAccessToken(
    as,
    new Request(`${resource}/items`, { headers: { authorization: `Bearer ${token}` } }),
    resource,
    { ...insecure, [oauth.clockTolerance]: 0 },
  )

describe('server.mintAccessToken()', () => {
  it('defaults: a client credentials JWT for the API from `service`, with every API scope', async () => {
    const token = await server.mintAccessToken({ ttl: 120 })
    const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, {
      issuer: server.issuer,
      audience: server.resource,
      typ: 'at+jwt',
    })
    // Signed with the same key as the grants' JWT access tokens.
    expect(protectedHeader.alg).toBe('RS256')
    expect(server.jwks.keys.map((key) => (key as { kid?: string }).kid)).toContain(
      protectedHeader.kid,
    )
    expect(payload).toMatchObject({
      sub: 'service',
      client_id: 'service',
      scope: 'api:read api:write',
    })
    expect((payload.exp as number) - (payload.iat as number)).toBe(120)
    expect(await validate(token)).toMatchObject({ sub: 'service' })
  })

  it('a user token for another client and scope', async () => {
    const token = await server.mintAccessToken({
      ttl: 60,
      clientId: 'spa',
      sub: 'user-alice',
      scope: 'api:read',
    })
    expect(await validate(token)).toMatchObject({
      sub: 'user-alice',
      client_id: 'spa',
      scope: 'api:read',
      aud: server.resource,
    })
  })

  it('ttl 0 or less: already expired, refused without waiting', async () => {
    for (const ttl of [0, -60]) {
      const token = await server.mintAccessToken({ ttl })
      const payload = jose.decodeJwt(token)
      expect(payload.exp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + ttl)
      expect(payload.iat).toBe((payload.exp as number) - 1)
      await expect(jose.jwtVerify(token, jwks, { issuer: server.issuer })).rejects.toMatchObject({
        code: 'ERR_JWT_EXPIRED',
      })
      await expect(validate(token)).rejects.toThrow(/"exp"/)
    }
  })

  it('another resource is another audience, which the test API refuses', async () => {
    const token = await server.mintAccessToken({ ttl: 60, resource: 'https://other.test/api' })
    expect(jose.decodeJwt(token).aud).toBe('https://other.test/api')
    await expect(validate(token)).rejects.toThrow(/"aud"/)
    expect(await validate(token, 'https://other.test/api')).toMatchObject({ sub: 'service' })
  })

  it('encrypt: a nested JWE (cty at+jwt) that the API decrypts to the signed token', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const token = await server.mintAccessToken({
      ttl: 60,
      encrypt: { alg: 'RSA-OAEP-256', enc: 'A256GCM', key: publicKey, kid: 'api-enc' },
    })
    expect(token.split('.')).toHaveLength(5)
    const { plaintext, protectedHeader } = await jose.compactDecrypt(token, privateKey)
    expect(protectedHeader).toMatchObject({ alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'at+jwt' })
    expect(await validate(new TextDecoder().decode(plaintext))).toMatchObject({ sub: 'service' })
  })

  it('an encryption key oidc-provider refuses is an ERR_INVALID_ARG_VALUE naming encrypt', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    await expect(
      server.mintAccessToken({
        ttl: 60,
        encrypt: { alg: 'RSA-OAEP-256', enc: 'A256GCM', key: privateKey },
      }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE', message: /"encrypt"/ })
  })
})
