import { describe, expect, it } from 'vitest'
import { dpop } from '../src/dpop.js'
import { createMemoryStore } from '../src/index.js'

function decode(jwt: string): [Record<string, unknown>, Record<string, unknown>] {
  const [header, payload] = jwt
    .split('.')
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()))
  return [header, payload]
}

describe('dpop', () => {
  it('creates a non-extractable P-256 key once and reuses it from the store', async () => {
    const store = createMemoryStore()
    const extension = dpop()
    await extension.createHandle(store, 'k')
    const keyPair = (await store.get('k')) as CryptoKeyPair
    expect(keyPair.privateKey.extractable).toBe(false)
    expect(keyPair.privateKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' })
    await extension.createHandle(store, 'k')
    expect(await store.get('k')).toBe(keyPair)
  })

  it('sends a proof bound to the token and retries once with the nonce a resource server asks for', async () => {
    const extension = dpop()
    const handle = await extension.createHandle(createMemoryStore(), 'k')
    const seen: Request[] = []
    const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init)
      seen.push(request)
      if (seen.length === 1) {
        return new Response(null, {
          status: 401,
          headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'n-1' },
        })
      }
      return Response.json({ body: await request.text() })
    }
    const request = new Request('https://api.example/orders?page=2', { method: 'POST', body: 'x' })
    const response = await extension.fetch(handle, request, 'token-1', fetchImpl)
    expect(await response.json()).toEqual({ body: 'x' })
    expect(seen).toHaveLength(2)
    const [first, second] = seen.map((r) => r.headers.get('dpop') ?? '')
    expect(seen[1]?.headers.get('authorization')).toBe('DPoP token-1')
    const [header, payload] = decode(second ?? '')
    expect(header).toMatchObject({
      typ: 'dpop+jwt',
      alg: 'ES256',
      jwk: { kty: 'EC', crv: 'P-256' },
    })
    expect(header.jwk).not.toHaveProperty('d')
    expect(payload).toMatchObject({ htm: 'POST', htu: 'https://api.example/orders', nonce: 'n-1' })
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode('token-1'))
    expect(payload.ath).toBe(Buffer.from(digest).toString('base64url'))
    expect(decode(first ?? '')[1]).not.toHaveProperty('nonce')
  })
})
