import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import { parseArgs } from 'node:util'
import { isOAuthResponseError, type OAuthResponseError } from '@oauthkit/core'
import { toDisplayText } from '@oauthkit/core/internal'
import {
  type CommandContext,
  type CommandIo,
  type Settings,
  usageError,
  writeJson,
} from './command-context.js'
import { HELP } from './command-help.js'
import { decodeCommand } from './decode-command.js'
import { defaultTokenFilePath } from './default-token-file-path.js'
import { createFileStore, type FileStoreOptions } from './file-store.js'
import { loginCommand } from './login-command.js'
import { logoutCommand, statusCommand, tokenCommand, whoamiCommand } from './session-commands.js'
import { errorCode } from './store-fs.js'

export type { CommandIo, CommandStream } from './command-context.js'

/** The exit codes of the `oauthkit` command, a contract for scripts (see README.md). */
export const EXIT_CODES: Readonly<{
  ok: 0
  error: 1
  usage: 2
  loginRequired: 3
  loginFailed: 4
  network: 5
  interrupted: 130
}> = Object.freeze({
  ok: 0,
  error: 1,
  usage: 2,
  loginRequired: 3,
  loginFailed: 4,
  network: 5,
  interrupted: 130,
})

const COMMANDS: Record<string, (context: CommandContext) => Promise<number>> = {
  login: loginCommand,
  token: tokenCommand,
  logout: logoutCommand,
  whoami: whoamiCommand,
  decode: decodeCommand,
  status: statusCommand,
}

const OPTIONS = {
  issuer: { type: 'string' },
  'client-id': { type: 'string' },
  scope: { type: 'string' },
  resource: { type: 'string', multiple: true },
  'token-file': { type: 'string' },
  'allow-insecure-requests': { type: 'boolean' },
  json: { type: 'boolean' },
  browser: { type: 'boolean' },
  'no-open': { type: 'boolean' },
  'no-qr': { type: 'boolean' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const

const DEFAULT_SCOPE = 'openid offline_access'

/**
 * Runs the `oauthkit` command with `argv` (without `node` and the script) and resolves the exit
 * code. Never touches `process`: `bin.ts` passes the real streams, environment and a signal
 * that Ctrl-C aborts, and sets the exit code.
 */
export async function runCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  let json = argv.includes('--json')
  let commandName: string | undefined
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    })
    json = values.json === true
    const [name, ...args] = positionals
    commandName = name
    if (values.version) {
      io.stdout.write(`${version()}\n`)
      return 0
    }
    if (name === 'help' || name === undefined) {
      const topic = name === 'help' ? (args[0] ?? 'main') : 'main'
      const text = HELP[topic]
      if (!text) throw usageError(`unknown command "${topic}"`)
      io.stdout.write(text)
      return name === undefined && !values.help ? 2 : 0
    }
    const command = COMMANDS[name]
    if (!command) throw usageError(`unknown command "${name}": see "oauthkit --help"`)
    if (values.help) {
      io.stdout.write(HELP[name] ?? HELP.main!)
      return 0
    }
    if (name !== 'decode' && args.length > 0) throw usageError(`${name} takes no arguments`)
    const settings = resolveSettings(values, io.env)
    const signal = io.signal ?? new AbortController().signal
    const store = createFileStore(settings.tokenFile, fileStoreOptions(io.env))
    return await command({ io, settings, args, store, signal })
  } catch (err) {
    return reportError(err, io, json, commandName === 'login')
  }
}

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values']

function resolveSettings(values: Values, env: CommandIo['env']): Settings {
  const timeout = Number(values.timeout ?? 300)
  if (!Number.isFinite(timeout) || timeout <= 0) {
    throw usageError('--timeout must be a positive number of seconds')
  }
  const issuer = values.issuer ?? (env.OAUTHKIT_ISSUER || undefined)
  if (issuer !== undefined && URL.parse(issuer) === null) {
    throw usageError('the issuer must be an absolute URL, such as https://as.example.com')
  }
  return {
    issuer,
    clientId: values['client-id'] ?? (env.OAUTHKIT_CLIENT_ID || undefined),
    scope: values.scope ?? (env.OAUTHKIT_SCOPE || DEFAULT_SCOPE),
    resource: resolveResource(values.resource, env.OAUTHKIT_RESOURCE),
    tokenFile: values['token-file'] ?? (env.OAUTHKIT_TOKEN_FILE || defaultTokenFilePath({ env })),
    allowInsecureRequests:
      values['allow-insecure-requests'] === true ||
      /^(1|true|yes)$/i.test(env.OAUTHKIT_ALLOW_INSECURE_REQUESTS ?? ''),
    json: values.json === true,
    qr: values['no-qr'] !== true,
    open: values['no-open'] !== true,
    browser: values.browser === true,
    timeout,
  }
}

/**
 * `OAUTHKIT_STORE_KEY`: 32 bytes, base64url, that encrypt the sessions in the token file
 * (`createFileStore`'s `encryption`). Its id is a fingerprint of the key, so a session sealed
 * under another key reads as absent (log in again) rather than failing.
 */
function fileStoreOptions(env: CommandIo['env']): FileStoreOptions | undefined {
  const encoded = env.OAUTHKIT_STORE_KEY
  if (!encoded) return undefined
  // Never echo the value: it is the key.
  if (!/^[A-Za-z0-9_-]{43}$/.test(encoded)) {
    throw usageError(
      'OAUTHKIT_STORE_KEY must be 32 bytes in base64url (43 characters), such as the output of: openssl rand 32 | basenc --base64url | tr -d =',
    )
  }
  const key = new Uint8Array(Buffer.from(encoded, 'base64url'))
  const id = createHash('sha256').update(key).digest('base64url').slice(0, 8)
  return { encryption: { keys: [{ id, key }] } }
}

/**
 * The RFC 8707 resource indicators: every `--resource`, else `OAUTHKIT_RESOURCE` (several
 * separated by spaces). Each must be an absolute URI without a fragment (RFC 8707 §2).
 */
function resolveResource(
  flags: string[] | undefined,
  env: string | undefined,
): string[] | undefined {
  const resource = flags ?? env?.split(' ').filter(Boolean)
  if (!resource?.length) return undefined
  for (const value of resource) {
    if (URL.parse(value) === null || value.includes('#')) {
      throw usageError(
        '--resource must be an absolute URI without a fragment, such as https://api.example.com',
      )
    }
  }
  return resource
}

function version(): string {
  // ../package.json from both src/ and dist/.
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version
}

/** Prints `err` without secrets (oauthkit messages never hold any) and picks the exit code. */
function reportError(err: unknown, io: CommandIo, json: boolean, login: boolean): number {
  const code = errorCode(err)
  const exitCode = exitCodeFor(code, err, login)
  const message = messageOf(err, code)
  const hint = hintFor(code, err)
  if (json) {
    writeJson(io, {
      error: {
        code,
        message,
        ...(isOAuthResponseError(err) ? oauthFields(err) : {}),
        ...(hint ? { hint } : {}),
      },
    })
  }
  io.stderr.write(`oauthkit: ${message}${code && code !== 'ERR_USAGE' ? ` (${code})` : ''}\n`)
  if (hint) io.stderr.write(`hint: ${hint}\n`)
  return exitCode
}

// The server's own words too: `error_description` is what says why (sanitised and capped).
function oauthFields(err: OAuthResponseError): { error: string; error_description?: string } {
  const description =
    err.error_description && toDisplayText(err.error_description, { redact: true })
  return { error: err.error, ...(description ? { error_description: description } : {}) }
}

function messageOf(err: unknown, code: string | undefined): string {
  if (!(err instanceof Error)) return 'unexpected error'
  // Node's own text quotes the option unevenly ('-- "--foo"): say it plainly instead.
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']*)'/.exec(err.message)?.[1]
    return option ? `unknown option "${option}"` : 'unknown option'
  }
  return err.message
}

function exitCodeFor(code: string | undefined, err: unknown, login: boolean): number {
  switch (code) {
    case 'ERR_USAGE':
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
    case 'ERR_INVALID_ARG_TYPE':
    case 'ERR_INVALID_ARG_VALUE':
      return EXIT_CODES.usage
    case 'ERR_LOGIN_REQUIRED':
      return EXIT_CODES.loginRequired
    case 'ERR_ACCESS_DENIED':
    case 'ERR_DEVICE_CODE_EXPIRED':
    case 'ERR_STATE_MISMATCH':
      return EXIT_CODES.loginFailed
    case 'ERR_ABORTED':
      return EXIT_CODES.interrupted
    case 'ERR_TIMEOUT':
      // While logging in, a timeout means nobody came back in time; elsewhere, the network.
      return login ? EXIT_CODES.loginFailed : EXIT_CODES.network
    case 'ERR_NETWORK':
    case 'ERR_SERVER':
    case 'ERR_DISCOVERY_FAILED':
      // The configured issuer is not the server's (a trailing slash, another spelling): the
      // user's configuration to fix, not a server to wait for.
      if (causeCodes(err).includes('ERR_ISSUER_MISMATCH')) return EXIT_CODES.usage
      return EXIT_CODES.network
    case 'ERR_RESPONSE_TOO_LARGE':
    case 'ERR_INVALID_RESPONSE':
    case 'OAUTH_RESPONSE_IS_NOT_CONFORM':
      return EXIT_CODES.network
  }
  if (isOAuthResponseError(err) && (err.status ?? 0) >= 500) return EXIT_CODES.network
  return EXIT_CODES.error
}

function hintFor(code: string | undefined, err: unknown): string | undefined {
  // By code, never by message text: the server's metadata named an http:// endpoint.
  if (code === 'ERR_DISCOVERY_FAILED' && causeCodes(err).some((c) => INSECURE_CODES.has(c))) {
    return 'the server uses http:// URLs; --allow-insecure-requests allows them (local development only)'
  }
  if (code === 'ERR_DISCOVERY_FAILED' && causeCodes(err).includes('ERR_ISSUER_MISMATCH')) {
    return 'the issuer must be exactly the one the server names (trailing slash and case included): fix --issuer or OAUTHKIT_ISSUER'
  }
  if (code === 'ERR_LOGIN_REQUIRED') return 'run "oauthkit login"'
  if (code === 'ERR_NETWORK')
    return 'check the issuer URL and that the server is running and reachable'
  if (code?.startsWith('ERR_PARSE_ARGS')) return 'see "oauthkit --help"'
  return undefined
}

// Core's code for an http: endpoint in the metadata, and oauth4webapi's for an http: request.
const INSECURE_CODES = new Set(['ERR_INSECURE_REQUEST', 'OAUTH_HTTP_REQUEST_FORBIDDEN'])

/** The `code`s along the `cause` chain of `err`, outermost first. */
function causeCodes(err: unknown): string[] {
  const codes: string[] = []
  let current = err
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    const code = errorCode(current)
    if (code) codes.push(code)
    current = current.cause
  }
  return codes
}
