import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { runCommand } from '../src/command.js'
import { openFileStore } from '../src/file-store.js'
import { createFileStore } from '../src/index.js'
import { nodeStoreFs, type StoreFs } from '../src/store-fs.js'
import { deferred, fakeServer, ISSUER, json, tokens } from './fake-server.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oauthkit-logout-race-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})
afterEach(() => {
  vi.unstubAllGlobals()
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * A server that rotates refresh tokens and, unlike oidc-provider (which ends the whole grant),
 * revokes only the token presented, as RFC 7009 §2.1 permits: a refresh token the client forgets
 * to revoke then stays live. `live` holds the refresh tokens it would still accept.
 */
function rotatingServer(answer: Promise<void>) {
  const live = new Set(['rt-0'])
  const answering = deferred()
  let issued = 0
  const server = fakeServer({
    '/token': async (body) => {
      if (!live.delete(body.get('refresh_token') ?? '')) {
        return json({ error: 'invalid_grant' }, 400)()
      }
      const next = `rt-${++issued}`
      live.add(next)
      answering.resolve()
      await answer
      return tokens(`at-${issued}`, { refresh_token: next })()
    },
    '/revoke': (body) => {
      live.delete(body.get('token') ?? '')
      return new Response(null, { status: 200 })
    },
  })
  return { ...server, live, answering: answering.promise }
}

describe('oauthkit logout racing a refresh in another process', () => {
  it('(5) revokes the refresh token the racing refresh rotated, not only the one it read', async () => {
    const home = await mkdtemp(join(dir, 'home-'))
    const tokenFile = join(home, 'config', 'oauthkit', 'tokens.json')
    const key = { issuer: ISSUER, clientId: 'tv' }
    const answer = deferred()
    const server = rotatingServer(answer.promise)
    // The other process: its refresh has reached the server, which rotated rt-0 into rt-1.
    const other = createFileStore(tokenFile)
    await other.set(key, {
      accessToken: 'at-0',
      tokenType: 'Bearer',
      expiresAt: Math.floor(Date.now() / 1000) - 1,
      refreshToken: 'rt-0',
    })
    const refreshing = other.get(key, { fetch: server.fetch }).catch((err: unknown) => err)
    await server.answering

    // This process runs `oauthkit logout`; the command reaches the server through global fetch.
    vi.stubGlobal('fetch', server.fetch)
    const out = { stdout: '', stderr: '' }
    const logout = runCommand(['logout', '--json'], {
      stdout: { write: (text: string) => (out.stdout += text) },
      stderr: { write: (text: string) => (out.stderr += text) },
      env: {
        HOME: home,
        XDG_CONFIG_HOME: join(home, 'config'),
        OAUTHKIT_ISSUER: ISSUER,
        OAUTHKIT_CLIENT_ID: 'tv',
      },
    })
    // Whether logout waits for the refresh or finishes first, the refresh's answer then arrives.
    await Promise.race([logout, sleep(300)])
    answer.resolve()
    const [code] = await Promise.all([logout, refreshing])
    expect(code).toBe(0)
    expect(JSON.parse(out.stdout)).toMatchObject({ loggedOut: true, revoked: true })
    // Nothing is left: no entry in the file, no refresh token the server would still accept.
    expect(await createFileStore(tokenFile).list()).toEqual([])
    expect(server.live).toEqual(new Set())
  })

  it('(5) revokes what a refresh saved between the logout reading the session and deleting it', async () => {
    const path = join(dir, 'between', 'tokens.json')
    const key = { issuer: ISSUER, clientId: 'tv' }
    const answer = deferred()
    const server = rotatingServer(answer.promise)
    const other = createFileStore(path)
    await other.set(key, {
      accessToken: 'at-0',
      tokenType: 'Bearer',
      expiresAt: Math.floor(Date.now() / 1000) - 1,
      refreshToken: 'rt-0',
    })
    const refreshing = other.get(key, { fetch: server.fetch })
    await server.answering
    // The logout has read rt-0; its delete is held up (a slow disk) until the refresh saved rt-1.
    let armed = true
    const deleting = deferred()
    const resume = deferred()
    const fs: StoreFs = {
      ...nodeStoreFs,
      mkdir: async (...args) => {
        if (armed) {
          armed = false
          deleting.resolve()
          await resume.promise
        }
        return nodeStoreFs.mkdir(...args)
      },
    }
    const ending = openFileStore(path, { fs }).end(key, { fetch: server.fetch })
    await deleting.promise
    answer.resolve()
    expect(await refreshing).toMatchObject({ refreshToken: 'rt-1' })
    resume.resolve()
    expect(await ending).toMatchObject({ tokenSet: { refreshToken: 'rt-0' }, revoked: true })
    expect(await other.list()).toEqual([])
    expect(server.live).toEqual(new Set())
  })
})
