import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** The built `oauthkit` command (the root `npm test` builds before running vitest). */
export const BIN: string = join(
  dirname(createRequire(import.meta.url).resolve('@oauthkit/cli/package.json')),
  'dist',
  'bin.js',
)

if (!existsSync(BIN)) {
  throw new Error(`${BIN} is missing: run "npm run build" (or "npx tsup" in packages/cli) first`)
}

/** A running `oauthkit` process whose output is collected as it arrives. */
export interface OauthkitProcess {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  /** Resolves with the first match of `pattern` in stdout (or stderr), as it arrives. */
  waitFor: (pattern: RegExp, stream?: 'stdout' | 'stderr') => Promise<RegExpMatchArray>
  /** Resolves with the exit code (a signal counts as -1) and when it came. */
  exited: Promise<{ code: number; at: number }>
}

/** Starts `command` (default: `node BIN args`) with exactly `env` plus PATH. */
export function startOauthkit(
  args: string[],
  env: Record<string, string>,
  command: [string, ...string[]] = [process.execPath, BIN, ...args],
): OauthkitProcess {
  const child = spawn(command[0], command.slice(1), {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const out = { stdout: '', stderr: '' }
  const waiters: {
    pattern: RegExp
    stream: 'stdout' | 'stderr'
    resolve: (m: RegExpMatchArray) => void
  }[] = []
  const check = () => {
    for (const waiter of [...waiters]) {
      const match = out[waiter.stream].match(waiter.pattern)
      if (match) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve(match)
      }
    }
  }
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]?.setEncoding('utf8')
    child[stream]?.on('data', (chunk: string) => {
      out[stream] += chunk
      check()
    })
  }
  const exited = new Promise<{ code: number; at: number }>((resolve) => {
    child.once('close', (code) => resolve({ code: code ?? -1, at: performance.now() }))
  })
  return {
    child,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    exited,
    waitFor: (pattern, stream = 'stdout') =>
      new Promise((resolve, reject) => {
        waiters.push({ pattern, stream, resolve })
        check()
        void exited.then(() => {
          if (waiters.some((w) => w.pattern === pattern)) {
            reject(new Error(`exited before ${pattern} appeared:\n${out.stdout}\n${out.stderr}`))
          }
        })
      }),
  }
}

/** Runs `oauthkit args` to completion. */
export async function runOauthkit(
  args: string[],
  env: Record<string, string>,
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const run = startOauthkit(args, env)
  run.child.stdin?.end(input ?? '')
  const { code } = await run.exited
  return { code, stdout: run.stdout(), stderr: run.stderr() }
}

/** How to give a command a pseudo-terminal on this machine: util-linux `script`, or Python. */
export function ptyCommand(shellCommand: string): [string, ...string[]] | undefined {
  if (spawnSync('script', ['--version']).status === 0) {
    // -e: exit with the child's code; -f: flush as it comes; -q: no banner.
    return ['script', '-qfec', shellCommand, '/dev/null']
  }
  if (spawnSync('python3', ['--version']).status === 0) {
    const py =
      'import os,pty,sys; s=pty.spawn(["sh","-c",sys.argv[1]]); sys.exit(os.waitstatus_to_exitcode(s))'
    return ['python3', '-c', py, shellCommand]
  }
  return undefined
}
