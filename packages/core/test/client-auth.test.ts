import { createClientAuth, resolveClientAuthMethod } from '@oauthkit/core'
import { exportJWK, generateKeyPair } from 'jose'
import { describe, expect, it } from 'vitest'

describe('resolveClientAuthMethod()', () => {
  it('defaults from the credentials given', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    expect(resolveClientAuthMethod({ clientSecret: 's' })).toBe('client_secret_basic')
    expect(resolveClientAuthMethod({ privateKey: await exportJWK(privateKey) })).toBe(
      'private_key_jwt',
    )
    expect(resolveClientAuthMethod({})).toBe('none')
  })

  it('names the missing or bad option', async () => {
    const { publicKey } = await generateKeyPair('ES256', { extractable: true })
    const cases: [Parameters<typeof resolveClientAuthMethod>[0], string][] = [
      [{ method: 'client_secret_post' }, '"clientSecret"'],
      [{ method: 'private_key_jwt', clientSecret: 's' }, '"privateKey"'],
      [{ privateKey: await exportJWK(publicKey) }, '"privateKey"'],
      [{ privateKey: publicKey }, '"privateKey"'],
      [{ clientSecret: '' }, '"clientSecret"'],
      [{ method: 'bogus' as never, clientSecret: 's' }, '"clientAuthMethod"'],
    ]
    for (const [options, name] of cases) {
      expect(() => resolveClientAuthMethod(options)).toThrow(name)
    }
  })

  it('imports a private JWK lazily and refuses a corrupt one', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    const jwk = await exportJWK(privateKey)
    await expect(createClientAuth({ privateKey: jwk })).resolves.toBeTypeOf('function')
    await expect(createClientAuth({ privateKey: { ...jwk, d: 'AAAA' } })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
    })
  })
})
