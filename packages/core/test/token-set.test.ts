import { isExpired, needsRefresh, OAuthKitError, refreshAt, toTokenSet } from '@oauthkit/core'
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
          id_token: 'eyJh.eyJz.c2ln',
          scope: 'openid',
        }),
        { now },
      ),
    ).toEqual({
      accessToken: 'at',
      tokenType: 'Bearer',
      receivedAt: 1_700_000_000,
      expiresAt: 1_700_000_300,
      refreshToken: 'rt',
      idToken: 'eyJh.eyJz.c2ln',
      scope: 'openid',
    })
  })

  it('canonicalises DPoP and leaves other types alone; omits absent fields', () => {
    expect(toTokenSet(wire({ access_token: 'a', token_type: 'DPOP' }), { now: 2_000 })).toEqual({
      accessToken: 'a',
      tokenType: 'DPoP',
      receivedAt: 2,
    })
    expect(toTokenSet(wire({ access_token: 'a', token_type: 'N_A' })).tokenType).toBe('N_A')
  })

  it.each([
    [{ token_type: 'Bearer' }],
    [{ access_token: '', token_type: 'Bearer' }],
    [{ access_token: 'a' }],
    [{ access_token: 'a', token_type: 'Bearer', expires_in: -1 }],
    [{ access_token: 'a', token_type: 'Bearer', expires_in: '300' }],
    [{ access_token: 'a', token_type: 'Bearer', expires_in: Number.POSITIVE_INFINITY }],
    // RFC 6749 Appendix A: every member is checked against its syntax, not only its type.
    [{ access_token: 'a', token_type: 'Bearer', expires_in: 1.5 }],
    [{ access_token: 'a\nb', token_type: 'Bearer' }],
    [{ access_token: 'a', token_type: 'Bea rer' }],
    [{ access_token: 'a', token_type: 'Bearer', refresh_token: '' }],
    [{ access_token: 'a', token_type: 'Bearer', refresh_token: 42 }],
    [{ access_token: 'a', token_type: 'Bearer', refresh_token: 'r\u00e9' }],
    [{ access_token: 'a', token_type: 'Bearer', scope: 'a  b' }],
    [{ access_token: 'a', token_type: 'Bearer', scope: 'a "b"' }],
    [{ access_token: 'a', token_type: 'Bearer', scope: ['openid'] }],
    [{ access_token: 'a', token_type: 'Bearer', id_token: 'not-a-jwt' }],
    [{ access_token: 'a', token_type: 'Bearer', id_token: {} }],
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

describe('refreshAt()', () => {
  it('renews 60 s ahead, but never before half the lifetime has passed', () => {
    expect(refreshAt({ receivedAt: 1_000, expiresAt: 4_600 })).toBe(4_540)
    expect(refreshAt({ receivedAt: 1_000, expiresAt: 1_030 })).toBe(1_015)
    expect(refreshAt({ receivedAt: 1_000, expiresAt: 1_000 })).toBe(1_000)
    expect(refreshAt({ receivedAt: 1_000, expiresAt: 4_600 }, 10)).toBe(4_590)
  })
  it('renews at expiry without a receipt time, and never without an expiry', () => {
    expect(refreshAt({ expiresAt: 4_600 })).toBe(4_600)
    expect(refreshAt({ receivedAt: 1_000 })).toBeUndefined()
    expect(needsRefresh({ receivedAt: 1_000 }, { now: 1e15 })).toBe(false)
  })
  it('needsRefresh() is true from the renewal point on', () => {
    const tokenSet = { receivedAt: 1_000, expiresAt: 1_030 }
    expect(needsRefresh(tokenSet, { now: 1_014_999 })).toBe(false)
    expect(needsRefresh(tokenSet, { now: 1_015_000 })).toBe(true)
  })
})
