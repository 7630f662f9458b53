/**
 * The CLI token file (RFC 6819 §5.3.3: secrets in secure storage): mode 0600,
 * written atomically, and a hostile refresh response never reaches it.
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFileStore } from '@oauthkit/cli'
import type { TokenSet } from '@oauthkit/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CLIENT_ID, useHostileServer } from './fixture.js'
import { expectRefusal } from './helpers.js'
import { type Handler, json, resetSocket } from './hostile-server.js'

const server = useHostileServer()
let dir: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oauthkit-security-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const key = () => ({ issuer: server().issuer, clientId: CLIENT_ID })
const getOptions = { allowInsecureRequests: true }

/** A stored session whose access token has expired, so `get` must refresh. */
async function expiredSession(path: string): Promise<TokenSet> {
  const issued = await server().tokens(CLIENT_ID, { sub: 'user-1' })
  const tokenSet: TokenSet = {
    accessToken: issued.access_token as string,
    tokenType: 'Bearer',
    receivedAt: Math.floor(Date.now() / 1000) - 3600,
    expiresAt: Math.floor(Date.now() / 1000) - 10,
    refreshToken: issued.refresh_token as string,
    idToken: issued.id_token as string,
  }
  await createFileStore(path).set(key(), tokenSet)
  return tokenSet
}

/** The store's file must still hold exactly `before` after a refused refresh answered by `handler`. */
async function refusedRefresh(handler: Handler, code: string | RegExp) {
  const path = join(dir, 'tokens.json')
  const before = await expiredSession(path)
  const fileBefore = await readFile(path, 'utf8')
  server().on('/token', handler)
  const err = await expectRefusal(
    createFileStore(path).get(key(), getOptions),
    code,
    server().secrets,
  )
  expect(await readFile(path, 'utf8')).toBe(fileBefore)
  expect(await createFileStore(path).get(key(), { refresh: false })).toEqual(before)
  expect(server().count('/token')).toBe(1)
  return err
}

describe('CLI file store', () => {
  it('the token file is created 0600 in a 0700 directory', async () => {
    const path = join(dir, 'nested', 'tokens.json')
    await expiredSession(path)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect((await stat(join(dir, 'nested'))).mode & 0o777).toBe(0o700)
  })

  it('writes atomically: concurrent writers never expose a partial file and leave no temp files', async () => {
    const path = join(dir, 'tokens.json')
    const store = createFileStore(path)
    await store.set(key(), { accessToken: 'at-seed-value-000', tokenType: 'Bearer' })
    let reading = true
    let reads = 0
    const reader = (async () => {
      while (reading) {
        const text = await readFile(path, 'utf8')
        expect(() => JSON.parse(text)).not.toThrow()
        reads++
      }
    })()
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        createFileStore(path).set(
          { issuer: server().issuer, clientId: `client-${i % 5}` },
          { accessToken: `at-${'x'.repeat(2_000)}-${i}`, tokenType: 'Bearer' },
        ),
      ),
    )
    reading = false
    await reader
    expect(reads).toBeGreaterThan(0)
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([])
    expect((await stat(path)).mode & 0o777).toBe(0o600)
  })

  it('rotation on refresh replaces the access and refresh token together in the file', async () => {
    const path = join(dir, 'tokens.json')
    const before = await expiredSession(path)
    const after = await createFileStore(path).get(key(), getOptions)
    expect(after?.accessToken).not.toBe(before.accessToken)
    expect(after?.refreshToken).not.toBe(before.refreshToken)
    const stored = JSON.parse(await readFile(path, 'utf8'))
    expect(stored.entries[0].tokenSet).toMatchObject({
      accessToken: after?.accessToken,
      refreshToken: after?.refreshToken,
    })
    expect(await readFile(path, 'utf8')).not.toContain(before.refreshToken)
  })

  it('a refresh answered with HTML stores nothing and keeps the old tokens', async () => {
    await refusedRefresh((_q, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>hi</h1>')
    }, 'OAUTH_RESPONSE_IS_NOT_JSON')
  })

  it('a refresh answered without access_token stores nothing', async () => {
    await refusedRefresh(
      (_q, res) => json(res, 200, { token_type: 'Bearer', refresh_token: 'rt-attacker-planted' }),
      'OAUTH_INVALID_RESPONSE',
    )
  })

  it('a refresh whose ID Token names another sub stores nothing', async () => {
    await refusedRefresh(async (_q, res, { server }) => {
      json(res, 200, await server.tokens(CLIENT_ID, { sub: 'attacker' }))
    }, 'ERR_SUBJECT_MISMATCH')
  })

  it('a refresh whose ID Token is signed by an attacker key stores nothing', async () => {
    await refusedRefresh(async (_q, res, { server }) => {
      const tokens = await server.tokens(CLIENT_ID, { idToken: false })
      const idToken = await server.mintIdToken(CLIENT_ID, {}, { key: server.attackerRsa })
      json(res, 200, { ...tokens, id_token: idToken })
    }, 'OAUTH_INVALID_RESPONSE')
  })

  it('a 503 on refresh keeps the session in the file', async () => {
    await refusedRefresh((_q, res) => {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('down')
    }, 'ERR_SERVER')
  })

  it('a connection reset on refresh keeps the session in the file', async () => {
    await refusedRefresh(resetSocket, 'ERR_NETWORK')
  })

  it('invalid_grant on refresh clears the session once, with ERR_LOGIN_REQUIRED and no retry', async () => {
    const path = join(dir, 'tokens.json')
    await expiredSession(path)
    server().on('/token', (_q, res) => json(res, 400, { error: 'invalid_grant' }))
    const store = createFileStore(path)
    await expectRefusal(store.get(key(), getOptions), 'ERR_LOGIN_REQUIRED', server().secrets)
    expect(server().count('/token')).toBe(1)
    expect(await store.get(key(), getOptions)).toBeUndefined()
    expect(server().count('/token')).toBe(1)
    expect(await readFile(path, 'utf8')).not.toMatch(/"(at|rt)-/)
  })

  it('ten concurrent reads of an expired session spend the refresh token once', async () => {
    const path = join(dir, 'tokens.json')
    await expiredSession(path)
    const store = createFileStore(path)
    const results = await Promise.all(
      Array.from({ length: 10 }, () => store.get(key(), getOptions)),
    )
    expect(new Set(results.map((t) => t?.accessToken)).size).toBe(1)
    expect(server().count('/token')).toBe(1)
  })

  it('a corrupt token file is refused without echoing its content', async () => {
    const path = join(dir, 'tokens.json')
    await expiredSession(path)
    const { writeFile } = await import('node:fs/promises')
    await writeFile(
      path,
      '{"version":1,"entries":[{"tokenSet":{"accessToken":"at-broken-json-secret"',
      {
        mode: 0o600,
      },
    )
    await expectRefusal(createFileStore(path).get(key(), getOptions), 'ERR_STORE_CORRUPT', [
      'at-broken-json-secret',
    ])
  })
})
