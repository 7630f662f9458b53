import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { EXIT_CODES } from '../src/command.js'
import { createFileStore } from '../src/index.js'
import { runInProcess } from './run-command-in-process.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oauthkit-command-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const run = (argv: string[], env: Record<string, string> = {}, stdin?: string) =>
  runInProcess(dir, argv, env, { stdin })

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const jwt = (payload: Record<string, unknown>) =>
  `${b64({ alg: 'ES256', typ: 'JWT' })}.${b64(payload)}.c2ln`
const nowSeconds = () => Math.floor(Date.now() / 1000)

describe('oauthkit decode', () => {
  it('shows header, payload and expiry in words, and says it did not verify', async () => {
    const token = jwt({ sub: 'u1', iat: nowSeconds() - 300, exp: nowSeconds() + 3 * 3600 + 30 })
    const { code, stdout } = await run(['decode', token])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^Decoded only, NOT verified/)
    expect(stdout).toContain('"alg": "ES256"')
    expect(stdout).toContain('"sub": "u1"')
    expect(stdout).toMatch(/^Issued\s+\S+Z \(5 minutes ago\)$/m)
    expect(stdout).toMatch(/^Expires\s+\S+Z \(in 3 hours\)$/m)
  })

  it('says when a token has expired, and when it never expires', async () => {
    expect((await run(['decode', jwt({ exp: nowSeconds() - 120 })])).stdout).toMatch(
      /^Expired\s+\S+ \(2 minutes ago\)$/m,
    )
    expect((await run(['decode', jwt({ sub: 'x' })])).stdout).toContain('no "exp" claim')
  })

  it('reads the token from stdin, tolerating "Bearer " and whitespace, with --json', async () => {
    const token = jwt({ exp: nowSeconds() - 1 })
    const { code, stdout } = await run(['decode', '-', '--json'], {}, `  Bearer ${token}\n`)
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({
      verified: false,
      expired: true,
      header: { alg: 'ES256' },
    })
  })

  it('exits 1 with ERR_JWT_MALFORMED on something that is not a JWT, without echoing it', async () => {
    const { code, stderr, stdout } = await run(['decode', 'secret-opaque-token', '--json'])
    expect(code).toBe(1)
    expect(JSON.parse(stdout)).toMatchObject({ error: { code: 'ERR_JWT_MALFORMED' } })
    expect(stderr + stdout).not.toContain('secret-opaque-token')
  })

  it('exits 2 without a token', async () => {
    expect((await run(['decode'])).code).toBe(2)
  })
})

describe('oauthkit status', () => {
  it('lists stored sessions offline, never printing a token', async () => {
    const tokenFile = join(dir, 'status', 'tokens.json')
    const store = createFileStore(tokenFile)
    await store.set(
      { issuer: 'https://a.example.com', clientId: 'one' },
      {
        accessToken: 'secret-at',
        tokenType: 'Bearer',
        expiresAt: nowSeconds() + 590,
        refreshToken: 'secret-rt',
        idToken: jwt({ sub: 'user-1' }),
        scope: 'openid offline_access',
      },
    )
    await store.set(
      { issuer: 'https://b.example.com', clientId: 'two' },
      { accessToken: 'secret-at-2', tokenType: 'Bearer', expiresAt: nowSeconds() - 60 },
    )
    const all = await run(['status'], { OAUTHKIT_TOKEN_FILE: tokenFile })
    expect(all.code).toBe(0)
    expect(all.stdout).toContain(`Token file: ${tokenFile}`)
    expect(all.stdout).toMatch(/https:\/\/a\.example\.com\n\s+client\s+one\n\s+subject\s+user-1/)
    expect(all.stdout).toMatch(/access token\s+valid, expires in 9 minutes/)
    expect(all.stdout).toMatch(/https:\/\/b\.example\.com {2}\[log in again\]/)
    expect(all.stdout).not.toContain('secret')

    const one = await run(['status', '--json', '--issuer', 'https://b.example.com'], {
      OAUTHKIT_TOKEN_FILE: tokenFile,
    })
    expect(one.code).toBe(EXIT_CODES.loginRequired)
    expect(JSON.parse(one.stdout)).toMatchObject({
      tokenFile,
      sessions: [
        { issuer: 'https://b.example.com', expired: true, refreshToken: false, usable: false },
      ],
    })
  })

  it('exits 3 when nothing is stored', async () => {
    const { code, stdout } = await run(['status'])
    expect(code).toBe(3)
    expect(stdout).toContain(join(dir, 'config', 'oauthkit', 'tokens.json'))
  })
})

describe('oauthkit options and errors', () => {
  it('takes flags over environment variables', async () => {
    const tokenFile = join(dir, 'precedence', 'tokens.json')
    await createFileStore(tokenFile).set(
      { issuer: 'https://flag.example.com', clientId: 'c' },
      { accessToken: 'at-flag', tokenType: 'Bearer' },
    )
    const env = {
      OAUTHKIT_ISSUER: 'https://env.example.com',
      OAUTHKIT_CLIENT_ID: 'c',
      OAUTHKIT_TOKEN_FILE: tokenFile,
    }
    expect((await run(['token', '--issuer', 'https://flag.example.com'], env)).stdout).toBe(
      'at-flag\n',
    )
    expect((await run(['token'], env)).code).toBe(3)
  })

  it('prints a JSON error on stdout with --json, and a readable one on stderr', async () => {
    const { code, stdout, stderr } = await run(['token', '--json'], {
      OAUTHKIT_ISSUER: 'https://as.example.com',
      OAUTHKIT_CLIENT_ID: 'c',
    })
    expect(code).toBe(3)
    expect(JSON.parse(stdout)).toMatchObject({ error: { code: 'ERR_LOGIN_REQUIRED' } })
    expect(stderr).toContain('not logged in to https://as.example.com')
    expect(stderr).toContain('hint: run "oauthkit login"')
  })

  it('exits 2 on usage errors', async () => {
    expect((await run(['nope'])).code).toBe(EXIT_CODES.usage)
    expect((await run(['token', '--bogus'])).code).toBe(2)
    expect((await run(['token', 'extra'])).code).toBe(2)
    expect((await run(['login', '--issuer', 'not a url'])).code).toBe(2)
    expect((await run(['login', '--timeout', '-1'])).code).toBe(2)
    expect((await run([])).code).toBe(2)
  })

  it('prints help for every command, and the version', async () => {
    for (const command of ['login', 'token', 'logout', 'whoami', 'decode', 'status']) {
      expect((await run([command, '--help'])).stdout).toContain(`Usage: oauthkit ${command}`)
      expect((await run(['help', command])).stdout).toContain(`Usage: oauthkit ${command}`)
    }
    expect((await run(['-h'])).stdout).toContain('Exit codes:')
    expect((await run(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/)
  })

  it('refuses an http:// issuer without --allow-insecure-requests as a usage error naming the flag, before any I/O', async () => {
    const env = {
      OAUTHKIT_ISSUER: 'http://127.0.0.1:9',
      OAUTHKIT_CLIENT_ID: 'c',
      OAUTHKIT_TOKEN_FILE: join(dir, 'insecure.json'),
    }
    await writeFile(
      env.OAUTHKIT_TOKEN_FILE,
      JSON.stringify({
        version: 1,
        entries: [
          {
            issuer: 'http://127.0.0.1:9',
            clientId: 'c',
            savedAt: 0,
            tokenSet: { accessToken: 'x', tokenType: 'Bearer' },
          },
        ],
      }),
    )
    for (const command of ['login', 'token', 'whoami', 'logout']) {
      const refused = await run([command], env)
      expect(refused.code).toBe(EXIT_CODES.usage)
      expect(refused.stderr).toContain('--allow-insecure-requests')
    }
    // Nothing was touched: logout did not forget the session.
    expect(await createFileStore(env.OAUTHKIT_TOKEN_FILE).list()).toHaveLength(1)
    // With the flag, the issuer is accepted (token needs no request for a token without expiry).
    const allowed = await run(['token', '--allow-insecure-requests'], env)
    expect(allowed).toMatchObject({ code: 0, stdout: 'x\n' })
  })

  it('hints at --allow-insecure-requests when the metadata names http:// endpoints, found by error code', async () => {
    const issuer = 'https://insecure-endpoints.example.com'
    vi.stubGlobal('fetch', async () =>
      Response.json({ issuer, token_endpoint: 'http://insecure-endpoints.example.com/token' }),
    )
    try {
      const env = {
        OAUTHKIT_ISSUER: issuer,
        OAUTHKIT_CLIENT_ID: 'c',
        OAUTHKIT_TOKEN_FILE: join(dir, 'insecure-endpoints.json'),
      }
      await createFileStore(env.OAUTHKIT_TOKEN_FILE).set(
        { issuer, clientId: 'c' },
        { accessToken: 'x', tokenType: 'Bearer' },
      )
      const { code, stderr } = await run(['whoami'], env)
      expect(code).toBe(EXIT_CODES.network)
      expect(stderr).toContain('ERR_DISCOVERY_FAILED')
      expect(stderr).toContain('hint: the server uses http:// URLs; --allow-insecure-requests')
    } finally {
      vi.unstubAllGlobals()
    }
  })
})
