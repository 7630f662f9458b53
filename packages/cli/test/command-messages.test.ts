/**
 * What a user sees when something goes wrong: the server's own reason, the origin that could not
 * be reached and why, a configuration mistake named as one. Against the real devserver.
 */

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DevServer, startDevServer } from '@oauthkit/devserver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closedPort } from '../../../test/fixtures/closed-port.js'
import { EXIT_CODES } from '../src/command.js'
import { runInProcess } from './run-command-in-process.js'

let server: DevServer
let dir: string
beforeAll(async () => {
  ;[server, dir] = await Promise.all([
    startDevServer({ deviceInterval: 0.05 }),
    mkdtemp(join(tmpdir(), 'oauthkit-messages-')),
  ])
})
afterAll(async () => {
  await Promise.all([server.close(), rm(dir, { recursive: true, force: true })])
})

const run = (
  argv: string[],
  env?: Record<string, string>,
  options?: Parameters<typeof runInProcess>[3],
) => runInProcess(dir, argv, env, options)

let files = 0
const devEnv = (clientId = 'device') => ({
  OAUTHKIT_ISSUER: server.issuer,
  OAUTHKIT_CLIENT_ID: clientId,
  OAUTHKIT_ALLOW_INSECURE_REQUESTS: '1',
  OAUTHKIT_TOKEN_FILE: join(dir, `tokens-${++files}.json`),
})

describe('oauthkit error messages', () => {
  it("shows the server's error_description on stderr and in --json", async () => {
    // `spa` (a public client) is not allowed the device grant: the devserver says so in error_description.
    const env = devEnv('spa')
    const text = await run(['login'], env)
    expect(text.code).toBe(EXIT_CODES.error)
    expect(text.stderr).toMatch(
      /^oauthkit: server responded with "\w+" \(HTTP 400\): .*device_code.* not allowed .*\(ERR_OAUTH_RESPONSE\)$/m,
    )
    const json = await run(['login', '--json'], env)
    const { error } = JSON.parse(json.stdout.trim().split('\n').at(-1) ?? '') as {
      error: Record<string, string>
    }
    expect(error.code).toBe('ERR_OAUTH_RESPONSE')
    expect(error.error_description).toMatch(/device_code.* not allowed/)
    expect(error.message).toContain(error.error_description)
  })

  it('names the origin and the reason when the server cannot be reached', async () => {
    const issuer = `http://127.0.0.1:${await closedPort()}`
    const env = { ...devEnv(), OAUTHKIT_ISSUER: issuer }
    const text = await run(['login'], env)
    expect(text.code).toBe(EXIT_CODES.network)
    expect(text.stderr).toContain(`could not reach ${issuer}: connection refused`)
    expect(text.stderr).toContain('(ERR_NETWORK)')
    const json = await run(['login', '--json'], env)
    expect(JSON.parse(json.stdout)).toMatchObject({
      error: { code: 'ERR_NETWORK', message: expect.stringContaining('connection refused') },
    })
  })

  it('names a DNS failure as one', async () => {
    const env = { ...devEnv(), OAUTHKIT_ISSUER: 'http://no-such-host.invalid' }
    const { code, stderr } = await run(['login'], env)
    expect(code).toBe(EXIT_CODES.network)
    expect(stderr).toContain('could not reach http://no-such-host.invalid: DNS lookup failed')
  })

  it('treats an issuer with a trailing slash as a usage error with a hint, quoting it as typed', async () => {
    const typed = `${server.issuer}/`
    const { code, stderr, stdout } = await run(['login', '--json'], {
      ...devEnv(),
      OAUTHKIT_ISSUER: typed,
    })
    expect(code).toBe(EXIT_CODES.usage)
    expect(stderr).toContain(`discovery of ${typed} failed`)
    expect(stderr).toContain(`the server's is "${server.issuer}"`)
    expect(stderr).toMatch(/^hint: the issuer must be exactly the one the server names/m)
    expect(JSON.parse(stdout)).toMatchObject({
      error: { code: 'ERR_DISCOVERY_FAILED', hint: expect.stringContaining('--issuer') },
    })
    // Spelled without a slash (but in another case), the message adds none.
    const upper = server.issuer.replace('http://', 'HTTP://')
    const other = await run(['login'], { ...devEnv(), OAUTHKIT_ISSUER: upper })
    expect(other.code).toBe(EXIT_CODES.usage)
    expect(other.stderr).toContain(`discovery of ${upper} failed`)
    expect(other.stderr).not.toContain(`${upper}/`)
  })

  it('prints the login hint once when logged out', async () => {
    const { code, stderr } = await run(['token'], devEnv())
    expect(code).toBe(EXIT_CODES.loginRequired)
    expect(stderr.match(/oauthkit login/g)).toHaveLength(1)
  })

  it('shows the printf example of --help with its \\n as typed', async () => {
    for (const argv of [['--help'], ['token', '--help']]) {
      const { stdout } = await run(argv)
      expect(stdout).toContain(`printf 'Authorization: Bearer %s\\n' "$(oauthkit token)"`)
    }
  })

  it('names an unknown option with balanced quotes', async () => {
    const { code, stderr } = await run(['token', '--frobnicate'])
    expect(code).toBe(EXIT_CODES.usage)
    const [line] = stderr.split('\n')
    expect(line).toBe('oauthkit: unknown option "--frobnicate" (ERR_PARSE_ARGS_UNKNOWN_OPTION)')
  })
})

describe('oauthkit --resource', () => {
  it('logs in for a resource (flag or OAUTHKIT_RESOURCE) and gets a JWT access token for it', async () => {
    for (const how of ['flag', 'env'] as const) {
      const env = devEnv()
      const argv = ['login', '--json', '--no-qr']
      if (how === 'flag') argv.push('--resource', server.resource)
      const login = await run(
        argv,
        how === 'env' ? { ...env, OAUTHKIT_RESOURCE: server.resource } : env,
        {
          onStdout: (text) => {
            const userCode = /"userCode":"([^"]+)"/.exec(text)?.[1]
            if (userCode) void server.approveDevice(userCode)
          },
        },
      )
      expect(login.code).toBe(0)
      const token = await run(['token'], env)
      expect(token.code).toBe(0)
      const decoded = await run(['decode', '-', '--json'], {}, { stdin: token.stdout })
      expect(JSON.parse(decoded.stdout)).toMatchObject({
        header: { typ: 'at+jwt' },
        payload: { aud: server.resource },
      })
    }
  })

  it('refuses a resource that is not an absolute URI without a fragment', async () => {
    for (const resource of ['api', 'https://api.example.com/#x']) {
      const { code, stderr } = await run(['login', '--resource', resource], devEnv())
      expect(code).toBe(EXIT_CODES.usage)
      expect(stderr).toContain('--resource must be an absolute URI without a fragment')
    }
  })
})
