import {
  clientCredentialsGrant,
  createClientContext,
  createDPoPHandle,
  type DeviceAuthorization,
  fetchUserInfo,
  pollDeviceAuthorization,
  refreshTokenGrant,
  type ServerMetadata,
} from '@oauthkit/core'
import { describe, expect, it } from 'vitest'

const metadata: ServerMetadata = {
  issuer: 'https://as.example.com',
  token_endpoint: 'https://as.example.com/token',
  userinfo_endpoint: 'https://as.example.com/me',
}

// A server that demands a DPoP nonce once (RFC 9449 §8 and §9), then answers `ok`. Records the
// nonce each request's proof carried.
function nonceDemandingServer(ok: () => Response) {
  const seenNonces: (string | undefined)[] = []
  const fetch: typeof globalThis.fetch = async (_input, init) => {
    const proof = new Headers(init?.headers).get('dpop')
    const payload = proof ? decodePayload(proof) : undefined
    seenNonces.push(payload?.nonce as string | undefined)
    if (seenNonces.length === 1) {
      const isResource = String(_input).endsWith('/me')
      return isResource
        ? new Response(null, {
            status: 401,
            headers: {
              'www-authenticate': 'DPoP error="use_dpop_nonce"',
              'dpop-nonce': 'server-nonce-1',
            },
          })
        : Response.json(
            { error: 'use_dpop_nonce' },
            { status: 400, headers: { 'dpop-nonce': 'server-nonce-1' } },
          )
    }
    return ok()
  }
  return { fetch, seenNonces }
}

function decodePayload(jwt: string): Record<string, unknown> {
  const segment = jwt.split('.')[1] ?? ''
  return JSON.parse(atob(segment.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>
}

async function dpopContext(fetch: typeof globalThis.fetch) {
  const keyPair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ])) as CryptoKeyPair
  return createClientContext({
    metadata,
    clientId: 'app',
    http: { fetch },
    dpop: createDPoPHandle(keyPair),
  })
}

const tokenResponse = () =>
  Response.json({ access_token: 'at', token_type: 'DPoP', expires_in: 60, refresh_token: 'rt2' })

describe('DPoP nonce retry', () => {
  it('clientCredentialsGrant retries once with the nonce the token endpoint demanded', async () => {
    const server = nonceDemandingServer(tokenResponse)
    const tokenSet = await clientCredentialsGrant(await dpopContext(server.fetch))
    expect(tokenSet.tokenType).toBe('DPoP')
    expect(server.seenNonces).toEqual([undefined, 'server-nonce-1'])
  })

  it('refreshTokenGrant retries once with the nonce the token endpoint demanded', async () => {
    const server = nonceDemandingServer(tokenResponse)
    const { tokenSet } = await refreshTokenGrant(await dpopContext(server.fetch), 'rt1')
    expect(tokenSet.refreshToken).toBe('rt2')
    expect(server.seenNonces).toEqual([undefined, 'server-nonce-1'])
  })

  it('pollDeviceAuthorization retries once with the nonce: not a final answer', async () => {
    const server = nonceDemandingServer(tokenResponse)
    const authorization: DeviceAuthorization = {
      deviceCode: 'device-code',
      userCode: 'ABCD-EFGH',
      verificationUri: 'https://as.example.com/device',
      expiresIn: 600,
      expiresAt: Date.now() + 600_000,
      interval: 0,
    }
    const { tokenSet } = await pollDeviceAuthorization(
      await dpopContext(server.fetch),
      authorization,
      { maxTransientFailures: 0 },
    )
    expect(tokenSet.tokenType).toBe('DPoP')
    expect(server.seenNonces).toEqual([undefined, 'server-nonce-1'])
  })

  it('fetchUserInfo retries once with the nonce the resource demanded', async () => {
    const server = nonceDemandingServer(() => Response.json({ sub: 'user-1' }))
    const claims = await fetchUserInfo(await dpopContext(server.fetch), 'at')
    expect(claims.sub).toBe('user-1')
    expect(server.seenNonces).toEqual([undefined, 'server-nonce-1'])
  })

  it('does not retry a second nonce demand: two requests at most', async () => {
    let calls = 0
    const fetch: typeof globalThis.fetch = async () => {
      calls++
      return Response.json(
        { error: 'use_dpop_nonce' },
        { status: 400, headers: { 'dpop-nonce': `n${calls}` } },
      )
    }
    await expect(clientCredentialsGrant(await dpopContext(fetch))).rejects.toMatchObject({
      name: 'OAuthResponseError',
      error: 'use_dpop_nonce',
    })
    expect(calls).toBe(2)
  })
})
