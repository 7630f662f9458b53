import { decodeJwt, OAuthKitError } from '@oauthkit/core'
import { describe, expect, it } from 'vitest'

const b64u = (value: unknown) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(value))))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')

describe('decodeJwt() (verifies nothing)', () => {
  it('splits header, payload and signature', () => {
    const token = `${b64u({ alg: 'RS256', typ: 'at+jwt' })}.${b64u({ sub: 'ü-1', n: 1 })}.c2ln`
    expect(decodeJwt(token)).toEqual({
      header: { alg: 'RS256', typ: 'at+jwt' },
      payload: { sub: 'ü-1', n: 1 },
      signature: 'c2ln',
      segments: token.split('.'),
    })
  })

  it.each([
    ['two segments', 'a.b'],
    ['five segments (JWE)', 'a.b.c.d.e'],
    ['not base64url', `${b64u({})}.***.c`],
    ['payload not JSON', `${b64u({})}.${btoa('nope')}.c`],
    ['payload an array', `${b64u({})}.${b64u([1])}.c`],
    ['empty header', `.${b64u({})}.c`],
  ])('refuses %s with ERR_JWT_MALFORMED, without echoing the token', (_, token) => {
    try {
      decodeJwt(token)
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(OAuthKitError)
      expect((err as OAuthKitError).code).toBe('ERR_JWT_MALFORMED')
      expect((err as Error).message).not.toContain(token)
    }
  })

  it('refuses a non-string', () => {
    expect(() => decodeJwt(42 as never)).toThrow(
      expect.objectContaining({ code: 'ERR_JWT_MALFORMED' }),
    )
  })
})
