import { runCommand } from '../src/command.js'

/**
 * Runs the `oauthkit` command in-process with captured streams, in `home`; `onStdout` sees each
 * write as it happens (to act on a prompt while the command waits).
 */
export async function runInProcess(
  home: string,
  argv: string[],
  env: Record<string, string> = {},
  options: { stdin?: string; onStdout?: (text: string) => void } = {},
) {
  const out = { stdout: '', stderr: '' }
  const { stdin } = options
  const code = await runCommand(argv, {
    stdout: {
      write: (text: string) => {
        out.stdout += text
        options.onStdout?.(text)
      },
    },
    stderr: { write: (text: string) => (out.stderr += text) },
    stdin:
      stdin === undefined
        ? undefined
        : (async function* () {
            yield stdin
          })(),
    env: { HOME: home, XDG_CONFIG_HOME: `${home}/config`, ...env },
  })
  return { code, ...out }
}
