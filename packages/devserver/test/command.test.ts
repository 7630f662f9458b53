import { execFileSync, spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { type DevServer, runDevServerCommand, startDevServer } from '../src/index.js'

function capture() {
  const out: string[] = []
  const err: string[] = []
  return {
    out,
    err,
    io: {
      stdout: { write: (chunk: string) => out.push(chunk) },
      stderr: { write: (chunk: string) => err.push(chunk) },
    },
  }
}

/** Runs the command with `argv` and aborts it once started: its exit code and the server. */
async function runUntilStarted(argv: string[], io: ReturnType<typeof capture>['io']) {
  const controller = new AbortController()
  let started: DevServer | undefined
  const exit = await runDevServerCommand(argv, {
    ...io,
    signal: controller.signal,
    onStarted: (server) => {
      started = server
      controller.abort()
    },
  })
  return { exit, started }
}

describe('runDevServerCommand', () => {
  it('--help prints usage and exits 0', async () => {
    const { out, io } = capture()
    expect(await runDevServerCommand(['--help'], io)).toBe(0)
    expect(out.join('')).toContain('Usage: oauthkit-devserver')
    expect(out.join('')).toContain('--access-token-ttl')
  })

  it.each([
    [['--prot', '4000'], /Unknown option '--prot'/],
    [['--port', 'abc'], /--port must be an integer from 0 to 65535/],
    [['--access-token-ttl', '0'], /--access-token-ttl must be an integer/],
    [['extra'], /positional/i],
  ])('%j prints one line and exits 2', async (argv, message) => {
    const { out, err, io } = capture()
    expect(await runDevServerCommand(argv, io)).toBe(2)
    expect(out).toEqual([])
    expect(err).toHaveLength(1)
    expect(err[0]).toMatch(message)
    expect(err[0]?.trim().split('\n')).toHaveLength(1)
  })

  it('--require-pkce chooses which clients must use PKCE', async () => {
    for (const [argv, expected] of [
      [[], 'all-clients'],
      [['--require-pkce', 'public-clients'], 'public-clients'],
    ] as const) {
      const { io } = capture()
      const { exit, started } = await runUntilStarted(['--port', '0', ...argv], io)
      expect(exit).toBe(0)
      const optional = expected === 'public-clients'
      expect(started?.clients.web?.description.includes('PKCE optional')).toBe(optional)
    }
    const { err, io } = capture()
    expect(await runDevServerCommand(['--require-pkce', 'never'], io)).toBe(2)
    expect(err).toEqual([
      'oauthkit-devserver: --require-pkce must be all-clients or public-clients (see --help)\n',
    ])
  })

  it('a non-loopback host prints one line and exits 2', async () => {
    const { err, io } = capture()
    expect(await runDevServerCommand(['--host', '0.0.0.0', '--port', '0'], io)).toBe(2)
    expect(err[0]).toMatch(/"host" option must be a loopback host.*ERR_INVALID_ARG_VALUE/)
  })

  it('a port in use prints one line and exits 1', async () => {
    const other = await startDevServer()
    try {
      const { err, io } = capture()
      expect(await runDevServerCommand(['--port', String(other.port)], io)).toBe(1)
      expect(err).toEqual([
        `oauthkit-devserver: port ${other.port} on 127.0.0.1 is already in use [ERR_PORT_IN_USE]\n`,
      ])
    } finally {
      await other.close()
    }
  })

  it('starts, prints issuer, clients with secrets and users, and stops on abort', async () => {
    const { out, io } = capture()
    const { exit, started } = await runUntilStarted(['--port', '0', '--access-token-ttl', '5'], io)
    expect(exit).toBe(0)
    const text = out.join('')
    const issuer = started?.issuer as string
    expect(text).toContain(`issuer     ${issuer}`)
    expect(text).toContain(`${issuer}/.well-known/openid-configuration`)
    for (const id of [
      'spa',
      'spa-par',
      'web',
      'web-jwt',
      'cli',
      'service',
      'device',
      'implicit',
      'legacy',
    ]) {
      expect(text).toContain(`  ${id} `)
    }
    expect(text).toContain('secret: web-secret')
    expect(text).toContain('alice / alice-password')
    expect(text).toContain('stopped (abort)')
    // The port is free again.
    const again = await startDevServer({ port: started?.port as number })
    await again.close()
  })
})

const packageDir = fileURLToPath(new URL('..', import.meta.url))
const bin = join(packageDir, 'dist/bin.js')

/** Modification time of `path` in ms, or -Infinity when it does not exist. */
function mtime(path: string): number {
  try {
    return statSync(path).mtimeMs
  } catch {
    return Number.NEGATIVE_INFINITY
  }
}

/** The newest modification time among the inputs of the build (source and build config). */
function newestInput(): number {
  const src = join(packageDir, 'src')
  const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).map((name) =>
    join(src, name),
  )
  files.push(
    ...['package.json', 'tsup.config.ts', 'tsconfig.json'].map((name) => join(packageDir, name)),
  )
  return Math.max(...files.map(mtime))
}

// The root `npm test` builds every package before vitest runs, so `dist` is normally fresh and
// is left alone (the packaging suite may be loading it). Rebuilt when missing or older than any
// source file, so these tests never pass against a stale `dist/bin.js`.
describe('the built oauthkit-devserver command', () => {
  beforeAll(() => {
    if (mtime(bin) < newestInput()) {
      execFileSync('npx', ['tsup', '--silent'], { cwd: packageDir, stdio: 'ignore' })
    }
  }, 60_000)

  it('is built from the current source', () => {
    expect(mtime(bin)).toBeGreaterThanOrEqual(newestInput())
    // A flag added to the source is in the built command.
    const help = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' })
    expect(help).toContain('--require-pkce')
  })

  it('prints the issuer and exits 0 on SIGINT', async () => {
    const child = spawn(process.execPath, [bin, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk
    })
    const issuer = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${stderr}`)))
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk
        const match = /issuer +(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)
        if (match && stdout.includes('Press Ctrl-C')) resolve(match[1] as string)
      })
    })
    const discovery = await fetch(`${issuer}/.well-known/openid-configuration`)
    expect(((await discovery.json()) as { issuer: string }).issuer).toBe(issuer)
    const exited = new Promise<number | null>((resolve) => {
      child.removeAllListeners('exit')
      child.once('exit', (code) => resolve(code))
    })
    child.kill('SIGINT')
    expect(await exited).toBe(0)
    expect(stdout).toContain('stopped (SIGINT)')
    // quiet by default: no oidc-provider runtime warnings
    expect(stderr).toBe('')
  }, 20_000)

  it('exits 2 with one line for an unknown option', async () => {
    const child = spawn(process.execPath, [bin, '--nope'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk
    })
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    expect(code).toBe(2)
    const lines = stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^oauthkit-devserver: Unknown option '--nope'.*\(see --help\)$/)
  })
})
