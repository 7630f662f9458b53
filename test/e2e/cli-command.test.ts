import { EventEmitter, once } from 'node:events'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { refreshAt, type TokenSet } from '@oauthkit/core'
import { type DevServer, type DevServerRequest, startDevServer } from '@oauthkit/devserver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, ptyCommand, runOauthkit, startOauthkit } from './cli-process.js'
import { until } from './helpers/until.js'

let server: DevServer
let home: string
/** Emits `request` for every request the devserver has answered. */
const requests = new EventEmitter()

beforeAll(async () => {
  server = await startDevServer({
    deviceInterval: 0.05,
    onRequest: (request) => requests.emit('request', request),
  })
  home = await mkdtemp(join(tmpdir(), 'oauthkit-home-'))
})
afterAll(async () => {
  await server.close()
  await rm(home, { recursive: true, force: true })
})

/** A fresh HOME and XDG_CONFIG_HOME per test, so sessions never leak between tests. */
async function userEnv(issuer = server.issuer, clientId = 'device') {
  const dir = await mkdtemp(join(home, 'user-'))
  return {
    env: {
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, 'config'),
      OAUTHKIT_ISSUER: issuer,
      OAUTHKIT_CLIENT_ID: clientId,
      OAUTHKIT_SCOPE: 'openid profile email offline_access',
      OAUTHKIT_ALLOW_INSECURE_REQUESTS: '1',
    },
    tokenFile: join(dir, 'config', 'oauthkit', 'tokens.json'),
  }
}

/** Resolves with the next request the devserver answers that matches `predicate`. */
async function nextRequest(predicate: (request: DevServerRequest) => boolean) {
  for (;;) {
    const [request] = (await once(requests, 'request')) as [DevServerRequest]
    if (predicate(request)) return request
  }
}

/**
 * Resolves once the stored access token is due for the file store (core's `refreshAt`: never
 * before half its lifetime, so a token that lives 2 s is refreshed only in its last second).
 */
async function untilNearExpiry(tokenFile: string): Promise<void> {
  const [entry] = JSON.parse(await readFile(tokenFile, 'utf8')).entries
  await until(refreshAt(entry.tokenSet as TokenSet) as number)
}

const lines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)

/** `oauthkit login --json`, approved (or denied) headlessly once the prompt appears. */
async function deviceLoginCommand(
  env: Record<string, string>,
  decide: (userCode: string) => Promise<void>,
) {
  const run = startOauthkit(['login', '--json'], env)
  const [line] = await run.waitFor(/^\{"event":"device_authorization".*\}$/m)
  const { userCode } = JSON.parse(line) as { userCode: string }
  await run.waitFor(new RegExp(userCode), 'stderr')
  await decide(userCode)
  const { code } = await run.exited
  return { code, stdout: run.stdout(), stderr: run.stderr(), userCode }
}

describe('oauthkit, as a user runs it', () => {
  it('logs in with a device code, saves a 0600 file, prints tokens and claims, logs out', async () => {
    const { env, tokenFile } = await userEnv()
    const login = await deviceLoginCommand(env, (code) =>
      server.approveDevice(code, { user: 'alice' }),
    )
    expect(login.code).toBe(0)
    const [prompt, done] = lines(login.stdout)
    expect(prompt).toMatchObject({
      event: 'device_authorization',
      verificationUri: `${server.issuer}/device`,
    })
    expect(done).toMatchObject({
      event: 'login',
      issuer: server.issuer,
      clientId: 'device',
      subject: 'user-alice',
      refreshToken: true,
      tokenFile,
    })
    // Not a TTY: no QR code and no spinner on stderr.
    expect(login.stderr).not.toMatch(/[▀▄█]|\r/)

    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600)
    expect((await stat(join(env.XDG_CONFIG_HOME, 'oauthkit'))).mode & 0o777).toBe(0o700)
    const file = JSON.parse(await readFile(tokenFile, 'utf8'))
    expect(file).toMatchObject({
      version: 1,
      entries: [{ issuer: server.issuer, clientId: 'device' }],
    })
    const stored = file.entries[0].tokenSet

    const token = await runOauthkit(['token'], env)
    expect(token).toMatchObject({ code: 0, stdout: `${stored.accessToken}\n` })
    // Usable as printf 'Authorization: Bearer %s\n' "$(oauthkit token)" | curl -H @- ...
    const me = await fetch(`${server.issuer}/me`, {
      headers: { authorization: `Bearer ${token.stdout.trim()}` },
    })
    expect(await me.json()).toMatchObject({ sub: 'user-alice' })

    const whoami = await runOauthkit(['whoami'], env)
    expect(whoami.code).toBe(0)
    expect(whoami.stdout).toMatch(/^sub\s+user-alice$/m)
    expect(whoami.stdout).toMatch(/^name\s+Alice Liddell$/m)
    const whoamiJson = lines((await runOauthkit(['whoami', '--json'], env)).stdout)[0]
    expect(whoamiJson).toMatchObject({
      idToken: { sub: 'user-alice' },
      userinfo: { sub: 'user-alice' },
    })

    const status = await runOauthkit(['status'], env)
    expect(status.code).toBe(0)
    expect(status.stdout).toContain(server.issuer)
    expect(status.stdout).toMatch(/subject\s+user-alice/)
    expect(status.stdout).not.toContain(stored.accessToken)

    const logout = await runOauthkit(['logout', '--json'], env)
    expect(logout.code).toBe(0)
    expect(lines(logout.stdout)[0]).toEqual({ loggedOut: true, revoked: true })
    expect(JSON.parse(await readFile(tokenFile, 'utf8')).entries).toEqual([])
    // Revoked at the server: the refresh token no longer works.
    const refresh = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: stored.refreshToken,
        client_id: 'device',
      }),
    })
    expect(await refresh.json()).toMatchObject({ error: 'invalid_grant' })

    const afterLogout = await runOauthkit(['token'], env)
    expect(afterLogout).toMatchObject({ code: 3, stdout: '' })
    expect(afterLogout.stderr).toContain('oauthkit login')
    expect((await runOauthkit(['status'], env)).code).toBe(3)
  })

  it('exits 4 when the user denies the device login', async () => {
    const { env, tokenFile } = await userEnv()
    const login = await deviceLoginCommand(env, (code) => server.denyDevice(code))
    expect(login.code).toBe(4)
    expect(lines(login.stdout).at(-1)).toMatchObject({
      error: { code: 'ERR_ACCESS_DENIED', error: 'access_denied' },
    })
    await expect(stat(tokenFile)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('exits 4 when the device code expires', async () => {
    const shortLived = await startDevServer({ ttl: { deviceCode: 1 }, deviceInterval: 0.1 })
    try {
      const { env } = await userEnv(shortLived.issuer)
      const login = await runOauthkit(['login'], env)
      expect(login.code).toBe(4)
      expect(login.stderr).toContain('ERR_DEVICE_CODE_EXPIRED')
    } finally {
      await shortLived.close()
    }
  })

  it('refreshes through the token file once the access token is near expiry', async () => {
    const shortLived = await startDevServer({ ttl: { accessToken: 2 }, deviceInterval: 0.05 })
    try {
      const { env, tokenFile } = await userEnv(shortLived.issuer)
      expect((await deviceLoginCommand(env, (code) => shortLived.approveDevice(code))).code).toBe(0)
      const before = JSON.parse(await readFile(tokenFile, 'utf8')).entries[0].tokenSet
      await untilNearExpiry(tokenFile)
      const token = await runOauthkit(['token', '--json'], env)
      expect(token.code).toBe(0)
      const printed = lines(token.stdout)[0] as { accessToken: string; expiresAt: number }
      expect(printed.accessToken).not.toBe(before.accessToken)
      const after = JSON.parse(await readFile(tokenFile, 'utf8')).entries[0].tokenSet
      expect(after.accessToken).toBe(printed.accessToken)
      expect((await stat(tokenFile)).mode & 0o777).toBe(0o600)
    } finally {
      await shortLived.close()
    }
  })

  it('logs in through the browser with --browser (loopback redirect)', async () => {
    const { env, tokenFile } = await userEnv(server.issuer, 'cli')
    const run = startOauthkit(['login', '--browser', '--no-open', '--json'], env)
    const [line] = await run.waitFor(/^\{"event":"authorization_url".*\}$/m)
    const { url } = JSON.parse(line) as { url: string }
    await run.waitFor(/open this URL in a browser/, 'stderr')
    expect(run.stderr()).toContain(url)
    const page = await fetch(await server.login(url, { user: 'bob' }))
    expect(await page.text()).toContain('Signed in')
    const { code } = await run.exited
    expect(code).toBe(0)
    expect(lines(run.stdout()).at(-1)).toMatchObject({ event: 'login', subject: 'user-bob' })
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600)
  })

  it('exits 130 within a moment of Ctrl-C while polling, leaving nothing running', async () => {
    const { env } = await userEnv()
    const run = startOauthkit(['login'], env)
    await run.waitFor(/enter the code/, 'stderr')
    // Interrupt it once it really polls: the devserver has answered a token request pending.
    await nextRequest((request) => request.endpoint === 'token' && request.status === 400)
    const sentAt = performance.now()
    run.child.kill('SIGINT')
    const { code, at } = await run.exited
    expect(code).toBe(130)
    // No process.exit() in the command: it ends only when no timer or socket is left.
    // A leaked timer or socket would hold the process for seconds; 2 s allows for a loaded box.
    expect(at - sentAt).toBeLessThan(2000)
    expect(run.stderr()).toContain('ERR_ABORTED')
  })

  it('refuses an http:// issuer without --allow-insecure-requests as a usage error naming the flag', async () => {
    const { env } = await userEnv()
    const { OAUTHKIT_ALLOW_INSECURE_REQUESTS: _, ...secureEnv } = env
    server.resetStats()
    const login = await runOauthkit(['login'], secureEnv)
    expect(login.code).toBe(2)
    expect(login.stderr).toContain('--allow-insecure-requests')
    // Refused before any request.
    expect(server.stats().total).toBe(0)
    const allowed = startOauthkit(['login', '--allow-insecure-requests'], secureEnv)
    await allowed.waitFor(/enter the code/, 'stderr')
    allowed.child.kill('SIGINT')
    expect((await allowed.exited).code).toBe(130)
  })

  it('decodes a JWT offline and says plainly that it did not verify it', async () => {
    const jwt = [
      Buffer.from('{"alg":"RS256","kid":"k1"}').toString('base64url'),
      Buffer.from(
        JSON.stringify({ sub: 'user-x', exp: Math.floor(Date.now() / 1000) + 3600 }),
      ).toString('base64url'),
      'c2lnbmF0dXJl',
    ].join('.')
    // From stdin, the documented form: the token stays out of argv.
    const decoded = await runOauthkit(['decode', '-'], {}, `${jwt}\n`)
    expect(decoded.code).toBe(0)
    expect(decoded.stdout).toContain('NOT verified')
    expect(decoded.stdout).toMatch(/Expires\s+\S+ \(in (59 minutes|1 hour)\)/)
    // As an argument it still works.
    const positional = await runOauthkit(['decode', jwt, '--json'], {})
    expect(lines(positional.stdout)[0]).toMatchObject({
      verified: false,
      header: { kid: 'k1' },
      expired: false,
    })
    const bad = await runOauthkit(['decode', 'not-a-jwt'], {})
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('ERR_JWT_MALFORMED')
  })

  it('shows help for every command and exits 2 on usage errors', async () => {
    for (const command of ['login', 'token', 'logout', 'whoami', 'decode', 'status']) {
      const help = await runOauthkit([command, '--help'], {})
      expect(help.code).toBe(0)
      expect(help.stdout).toContain(`Usage: oauthkit ${command}`)
    }
    const main = await runOauthkit(['--help'], {})
    expect(main.stdout).toContain('Exit codes:')
    expect((await runOauthkit(['frobnicate'], {})).code).toBe(2)
    expect((await runOauthkit(['token', '--nope'], {})).code).toBe(2)
    const missing = await runOauthkit(['token'], { HOME: home })
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('OAUTHKIT_ISSUER')
  })
})

describe('oauthkit in a terminal', () => {
  it('shows the code, a QR code and a countdown on a TTY, then logs in', async () => {
    const { env } = await userEnv()
    const shell = `stty cols 120 rows 60; exec "${process.execPath}" "${BIN}" login`
    const pty = ptyCommand(shell)
    // Without any pseudo-terminal tool the same flow runs on pipes and checks the plain output.
    const run = startOauthkit([], env, pty ?? [process.execPath, BIN, 'login'])
    const stream = pty ? 'stdout' : 'stderr'
    const [, userCode] = await run.waitFor(/enter the code:\s+([A-Z]{4}-[A-Z]{4})/, stream)
    if (pty) {
      await run.waitFor(/Or scan this QR code/, stream)
      await run.waitFor(/code expires in \d+:\d\d/, stream)
    }
    await server.approveDevice(userCode!)
    const { code } = await run.exited
    const output = pty ? run.stdout() : run.stderr() + run.stdout()
    expect(code).toBe(0)
    expect(output).toContain('Logged in to')
    if (pty) {
      expect(output).toMatch(/[▀▄█]{7}/)
      expect(output).toContain('\x1b[2K')
    } else {
      expect(output).not.toMatch(/[▀▄█]/)
    }
  })
})
