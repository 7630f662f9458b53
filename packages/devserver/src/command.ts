import { parseArgs } from 'node:util'
import type { DevServerOptions, DevServerTtl } from './dev-server-options.js'
import { type DevServer, startDevServer } from './start-dev-server.js'

/** Where the command writes, and how it is told to stop (for in-process tests). */
export interface CommandIo {
  /** Standard output. */
  stdout: { write(chunk: string): unknown }
  /** Standard error. */
  stderr: { write(chunk: string): unknown }
  /** Stops the server when aborted. Default: SIGINT or SIGTERM. */
  signal?: AbortSignal
  /** Called once the server is up (tests use it to reach the server). */
  onStarted?: (server: DevServer) => void
}

const USAGE = `Usage: oauthkit-devserver [options]

A real OAuth 2.0 / OpenID Connect authorization server (oidc-provider) for development.
Every grant is enabled; clients and test users are printed at start. Ctrl-C stops it.

Options:
  --port <n>                    port to listen on (default 4000; 0 picks a free port)
  --host <host>                 loopback host: 127.0.0.1 (default), localhost or ::1
  --redirect-uri <url>          redirect URI for spa, spa-par, web, web-jwt, implicit (repeatable)
  --cors-origin <origin|*>      extra CORS origin (repeatable), or * for any
  --access-token-ttl <s>        access token lifetime in seconds (default 3600)
  --refresh-token-ttl <s>       refresh token lifetime (default 86400)
  --code-ttl <s>                authorization code lifetime (default 60)
  --device-code-ttl <s>         device code lifetime (default 600)
  --id-token-ttl <s>            ID token lifetime (default 3600)
  --client-credentials-ttl <s>  client credentials token lifetime (default 600)
  --device-interval <s>         device polling interval (default 5)
  --dpop-nonce                  require DPoP server nonces
  --require-par                 require PAR from every client
  --require-pkce <who>          PKCE for all-clients (default) or only public-clients
  --verbose                     show oidc-provider warnings and every error event
  -h, --help                    show this help
`

const TTL_FLAGS: Record<string, keyof DevServerTtl> = {
  'access-token-ttl': 'accessToken',
  'refresh-token-ttl': 'refreshToken',
  'code-ttl': 'authorizationCode',
  'device-code-ttl': 'deviceCode',
  'id-token-ttl': 'idToken',
  'client-credentials-ttl': 'clientCredentials',
}

class UsageError extends Error {}

function integerFlag(name: string, value: string, min: number, max: number): number {
  const number = Number(value)
  if (value.trim() === '' || !Number.isInteger(number) || number < min || number > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`)
  }
  return number
}

function parseCommandLine(argv: string[]): DevServerOptions | 'help' {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (error) {
    // node:util's messages are one line already, e.g. "Unknown option '--prot'".
    throw new UsageError((error as Error).message.split('\n')[0] ?? 'invalid arguments')
  }
  const { values } = parsed
  if (values.help) return 'help'
  const options: DevServerOptions = {
    port: values.port === undefined ? 4000 : integerFlag('port', values.port, 0, 65_535),
    quiet: !values.verbose,
    debug: values.verbose === true,
  }
  if (values.host !== undefined) options.host = values.host
  const ttl: DevServerTtl = {}
  for (const [flag, key] of Object.entries(TTL_FLAGS)) {
    const value = values[flag as keyof typeof values]
    if (typeof value === 'string') ttl[key] = integerFlag(flag, value, 1, 31_536_000)
  }
  if (Object.keys(ttl).length > 0) options.ttl = ttl
  if (values['redirect-uri'] !== undefined) options.redirectUris = values['redirect-uri']
  const cors = values['cors-origin']
  if (cors !== undefined) options.corsOrigins = cors.includes('*') ? '*' : cors
  if (values['device-interval'] !== undefined) {
    const interval = Number(values['device-interval'])
    if (!(interval >= 0 && interval <= 3600)) {
      throw new UsageError('--device-interval must be a number of seconds from 0 to 3600')
    }
    options.deviceInterval = interval
  }
  if (values['dpop-nonce']) options.dpopNonce = true
  if (values['require-par']) options.requirePar = true
  const pkce = values['require-pkce']
  if (pkce !== undefined) {
    if (pkce !== 'all-clients' && pkce !== 'public-clients') {
      throw new UsageError('--require-pkce must be all-clients or public-clients')
    }
    options.requirePkce = pkce
  }
  return options
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'cors-origin': { type: 'string', multiple: true },
      'access-token-ttl': { type: 'string' },
      'refresh-token-ttl': { type: 'string' },
      'code-ttl': { type: 'string' },
      'device-code-ttl': { type: 'string' },
      'id-token-ttl': { type: 'string' },
      'client-credentials-ttl': { type: 'string' },
      'device-interval': { type: 'string' },
      'dpop-nonce': { type: 'boolean' },
      'require-par': { type: 'boolean' },
      'require-pkce': { type: 'string' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
}

/** Formats the startup banner: issuer, discovery URL, clients (with secrets) and users. */
export function formatBanner(server: DevServer): string {
  const lines = [
    'oauthkit devserver (oidc-provider) for development only',
    '',
    `  issuer     ${server.issuer}`,
    `  discovery  ${server.discoveryUrl}`,
    `  resource   ${server.resource}  (scopes ${server.apiScopes.join(' ')} → JWT access tokens)`,
    '',
    'Clients',
  ]
  for (const client of Object.values(server.clients)) {
    lines.push(`  ${client.clientId.padEnd(13)} ${client.description}`)
    lines.push(`  ${''.padEnd(13)} auth: ${client.tokenEndpointAuthMethod}`)
    if (client.clientSecret) lines.push(`  ${''.padEnd(13)} secret: ${client.clientSecret}`)
    if (client.privateJwk) {
      lines.push(`  ${''.padEnd(13)} private key: ${JSON.stringify(client.privateJwk)}`)
    }
    lines.push(`  ${''.padEnd(13)} grants: ${client.grantTypes.join(', ')}`)
    if (client.redirectUris.length > 0) {
      lines.push(`  ${''.padEnd(13)} redirect: ${client.redirectUris.join(' ')}`)
    }
  }
  lines.push('', 'Users (username / password)')
  for (const user of server.users) {
    const name = typeof user.claims.name === 'string' ? user.claims.name : ''
    const email = typeof user.claims.email === 'string' ? ` <${user.claims.email}>` : ''
    lines.push(`  ${`${user.username} / ${user.password}`.padEnd(26)} ${name}${email}`)
  }
  lines.push('', 'Press Ctrl-C to stop.', '')
  return lines.join('\n')
}

function waitForStop(signal: AbortSignal | undefined): Promise<string> {
  return new Promise((resolve) => {
    if (signal) {
      if (signal.aborted) resolve('abort')
      else signal.addEventListener('abort', () => resolve('abort'), { once: true })
      return
    }
    const onSignal = (name: string): void => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      resolve(name)
    }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
  })
}

/**
 * Runs the `oauthkit-devserver` command: parses `argv` (without node and script), starts the
 * server, prints the banner and waits for SIGINT/SIGTERM (or `io.signal`). Resolves with the exit
 * code: 0 after a clean stop, 1 when the server cannot start, 2 for bad arguments. Errors are
 * printed as one line on stderr.
 */
export async function runDevServerCommand(argv: string[], io: CommandIo): Promise<number> {
  let options: DevServerOptions | 'help'
  try {
    options = parseCommandLine(argv)
  } catch (error) {
    io.stderr.write(`oauthkit-devserver: ${(error as Error).message} (see --help)\n`)
    return 2
  }
  if (options === 'help') {
    io.stdout.write(USAGE)
    return 0
  }
  let server: DevServer
  try {
    server = await startDevServer(options)
  } catch (error) {
    const code = (error as { code?: string }).code
    io.stderr.write(`oauthkit-devserver: ${(error as Error).message}${code ? ` [${code}]` : ''}\n`)
    return code === 'ERR_INVALID_ARG_VALUE' || code === 'ERR_INVALID_ARG_TYPE' ? 2 : 1
  }
  io.stdout.write(formatBanner(server))
  io.onStarted?.(server)
  const reason = await waitForStop(io.signal)
  await server.close()
  io.stdout.write(`stopped (${reason})\n`)
  return 0
}
