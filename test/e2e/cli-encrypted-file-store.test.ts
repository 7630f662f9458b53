// The CLI's token file encrypted at rest (createFileStore's `encryption`, core's
// createEncryptedStore) against the devserver: the file holds no token, and login, refresh and
// logout work through it.
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFileStore, type DevicePrompt, deviceLogin } from '@oauthkit/cli'
import { type DevServer, startDevServer } from '@oauthkit/devserver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runOauthkit, startOauthkit } from './cli-process.js'

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

describe('oauthkit with OAUTHKIT_STORE_KEY', () => {
  it('logs in, refreshes and logs out with the token file encrypted', async () => {
    const home = await mkdtemp(join(dir, 'user-'))
    const tokenFile = join(home, 'tokens.json')
    const env = {
      HOME: home,
      OAUTHKIT_ISSUER: server.issuer,
      OAUTHKIT_CLIENT_ID: 'device',
      OAUTHKIT_SCOPE: 'openid profile offline_access',
      OAUTHKIT_ALLOW_INSECURE_REQUESTS: '1',
      OAUTHKIT_TOKEN_FILE: tokenFile,
      OAUTHKIT_STORE_KEY: Buffer.from(KEY).toString('base64url'),
    }
    const login = startOauthkit(['login', '--json'], env)
    const [line] = await login.waitFor(/^\{"event":"device_authorization".*\}$/m)
    await server.approveDevice((JSON.parse(line as string) as { userCode: string }).userCode, {
      user: 'alice',
    })
    expect((await login.exited).code).toBe(0)

    const first = await runOauthkit(['token'], env)
    expect(first.code).toBe(0)
    const accessToken = first.stdout.trim()
    expect(accessToken.length).toBeGreaterThan(20)
    expect(await readFile(tokenFile, 'utf8')).not.toContain(accessToken)
    expect(await readFile(tokenFile, 'utf8')).toContain('oauthkit_sealed')

    // The library with the same key (named as the command names it: a SHA-256 fingerprint)
    // reads the command's file and refreshes; the command then prints the new token.
    const id = createHash('sha256').update(KEY).digest('base64url').slice(0, 8)
    const library = createFileStore(tokenFile, { encryption: { keys: [{ id, key: KEY }] } })
    const key = { issuer: server.issuer, clientId: 'device' }
    const refreshed = await library.get(key, { ...connection, forceRefresh: true })
    expect(refreshed?.accessToken).not.toBe(accessToken)
    expect((await runOauthkit(['token'], env)).stdout.trim()).toBe(refreshed?.accessToken)
    expect(await readFile(tokenFile, 'utf8')).not.toContain(refreshed?.refreshToken as string)
    const status = await runOauthkit(['status', '--json'], env)
    expect(status.code).toBe(0)

    // Without the key the command sees no session; with a malformed one it says so.
    const { OAUTHKIT_STORE_KEY: _, ...plain } = env
    expect((await runOauthkit(['token'], plain)).code).toBe(3)
    const bad = await runOauthkit(['token'], { ...env, OAUTHKIT_STORE_KEY: 'not-a-key' })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('OAUTHKIT_STORE_KEY')
    expect(bad.stderr).not.toContain('not-a-key')

    const logout = await runOauthkit(['logout'], env)
    expect(logout.code).toBe(0)
    expect(JSON.parse(await readFile(tokenFile, 'utf8')).entries).toEqual([])
    expect((await runOauthkit(['token'], env)).code).toBe(3)
  }, 30_000)
})
