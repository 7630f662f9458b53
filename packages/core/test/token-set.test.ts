import { isExpired, OAuthKitError, toTokenSet } from '@oauthkit/core'
import type { TokenEndpointResponse } from 'oauth4webapi'
import { describe, expect, it } from 'vitest'

const wire = (body: Record<string, unknown>) => body as unknown as TokenEndpointResponse

describe('toTokenSet()', () => {
  it('converts the wire format to camelCase, expiry from expires_in at receipt', () => {
    const now = 1_700_000_000_500
    expect(
      toTokenSet(
        wire({
          access_token: 'at',
          token_type: 'bearer',
          expires_in: 300,
          refresh_token: 'rt',
          id_token: 'id',
          scope: 'openid',
        }),
        { now },
      ),
    ).toEqual({
      accessToken: 'at',
      tokenType: 'Bearer',
      expiresAt: 1_700_000_300,
      refreshToken: 'rt',
      idToken: 'id',
      scope: 'openid',
    })
  })

  it('canonicalises DPoP and leaves other types alone; omits absent fields', () => {
    expect(toTokenSet(wire({ access_token: 'a', token_type: 'DPOP' }))).toEqual({
      accessToken: 'a',
      tokenType: 'DPoP',
    })
  })

  it.each([
    [{ token_type: 'Bearer' }],
    [{ access_token: '', token_type: 'Bearer' }],
    [{ access_token: 'a' }],
    [{ access_token: 'a', token_type: 'Bearer', expires_in: -1 }],
    [{ access_token: 'a', token_type: 'Bearer', expires_in: '300' }],
    [{ access_token: 'a', token_type: 'Bearer', expires_in: Number.POSITIVE_INFINITY }],
  ])('refuses %j with ERR_INVALID_RESPONSE', (body) => {
    expect(() => toTokenSet(wire(body))).toThrow(OAuthKitError)
    try {
      toTokenSet(wire(body))
    } catch (err) {
      expect((err as OAuthKitError).code).toBe('ERR_INVALID_RESPONSE')
      expect((err as Error).message).not.toContain('"a"')
    }
  })
})

describe('isExpired()', () => {
  const now = 1_000_000_000
  it('compares expiresAt with now, with a skew', () => {
    expect(isExpired({ expiresAt: 1_000_100 }, { now })).toBe(false)
    expect(isExpired({ expiresAt: 1_000_000 }, { now })).toBe(true)
    expect(isExpired({ expiresAt: 1_000_100 }, { now, skew: 100 })).toBe(true)
    expect(isExpired({ expiresAt: 1_000_100 }, { now, skew: 99 })).toBe(false)
  })
  it('never counts a token without expiresAt as expired', () => {
    expect(isExpired({}, { now, skew: 1e9 })).toBe(false)
  })
})
