// The CLI's token file encrypted at rest (createFileStore's `encryption`, core's
// createEncryptedStore) against the devserver: the file holds no token, and login, refresh and
// logout work through it.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFileStore, type DevicePrompt, deviceLogin } from '@oauthkit/cli'
import { type DevServer, startDevServer } from '@oauthkit/devserver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

let server: DevServer
let dir: string

beforeAll(async () => {
  server = await startDevServer({ deviceInterval: 0.05 })
  dir = await mkdtemp(join(tmpdir(), 'oauthkit-cli-at-rest-'))
})
afterAll(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

const KEY = crypto.getRandomValues(new Uint8Array(32))
const encryption = { keys: [{ id: 'k1', key: KEY }] }
const connection = { allowInsecureRequests: true }

async function login() {
  let prompt: DevicePrompt | undefined
  return deviceLogin({
    issuer: server.issuer,
    clientId: 'device',
    scope: 'openid profile offline_access',
    allowInsecureRequests: true,
    onPrompt: (p) => {
      prompt = p
      void server.approveDevice(p.userCode, { user: 'alice' })
    },
    onWait: () => {
      if (!prompt) throw new Error('no prompt before the first poll')
    },
  })
}

describe('createFileStore(path, { encryption })', () => {
  it('keeps only ciphertext in the file; login, refresh and logout work through it', async () => {
    const path = join(dir, 'tokens.json')
    const store = createFileStore(path, { encryption })
    const key = { issuer: server.issuer, clientId: 'device' }
    const tokens = await login()
    await store.set(key, tokens)

    const secrets = [tokens.accessToken, tokens.refreshToken, tokens.idToken] as string[]
    expect(secrets.every((secret) => typeof secret === 'string')).toBe(true)
    const onDisk = () => readFile(path, 'utf8')
    const file = JSON.parse(await onDisk())
    expect(file.entries).toEqual([
      {
        issuer: server.issuer,
        clientId: 'device',
        sealed: expect.objectContaining({ oauthkit_sealed: 1, kid: 'k1' }),
        savedAt: expect.any(Number),
      },
    ])
    for (const secret of secrets) expect(await onDisk()).not.toContain(secret)

    // Read back (and listed) through the key.
    expect(await store.get(key, { ...connection, refresh: false })).toMatchObject({
      accessToken: tokens.accessToken,
    })
    expect(await store.list()).toEqual([
      expect.objectContaining({ ...key, tokenSet: expect.objectContaining(tokens) }),
    ])

    // Refresh: new tokens, sealed again.
    server.resetStats()
    const refreshed = await store.get(key, { ...connection, forceRefresh: true })
    expect(server.stats().endpoints.token).toBe(1)
    expect(refreshed?.accessToken).not.toBe(tokens.accessToken)
    expect(refreshed?.refreshToken).not.toBe(tokens.refreshToken)
    for (const secret of [refreshed?.accessToken, refreshed?.refreshToken] as string[]) {
      expect(await onDisk()).not.toContain(secret)
    }

    // Without the key, or with another key id: nothing to read.
    expect(await createFileStore(path).get(key, connection)).toBeUndefined()
    const other = { keys: [{ id: 'k2', key: crypto.getRandomValues(new Uint8Array(32)) }] }
    expect(await createFileStore(path, { encryption: other }).get(key, connection)).toBeUndefined()
    expect(await createFileStore(path, { encryption: other }).list()).toEqual([])
    // Another store with the same key (another process, the `oauthkit` command) reads it.
    expect(await createFileStore(path, { encryption }).get(key, connection)).toMatchObject({
      accessToken: refreshed?.accessToken,
    })

    // Logout: the entry goes, its tokens are revoked.
    const ended = await store.end(key, connection)
    expect(ended).toMatchObject({
      revoked: true,
      tokenSet: { accessToken: refreshed?.accessToken },
    })
    expect(JSON.parse(await onDisk()).entries).toEqual([])
    // Revoked: the refresh token that was current is refused.
    const reuse = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: 'device',
        refresh_token: refreshed?.refreshToken as string,
      }),
    })
    expect(reuse.status).toBe(400)
    expect(await reuse.json()).toMatchObject({ error: 'invalid_grant' })
  }, 30_000)

  it('names a bad encryption option, before touching any file', () => {
    const path = join(dir, 'never', 'tokens.json')
    expect(() => createFileStore(path, { encryption: 'key' as never })).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARG_TYPE',
        message: expect.stringContaining('"options.encryption"'),
      }),
    )
    expect(() => createFileStore(path, { encryption: { keys: [] } })).toThrow(
      expect.objectContaining({ message: expect.stringContaining('"options.encryption.keys"') }),
    )
    expect(() =>
      createFileStore(path, { encryption: { keys: [{ id: 'k', key: new Uint8Array(7) }] } }),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
  })
})
