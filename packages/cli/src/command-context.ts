import { OAuthKitError } from '@oauthkit/core'
import type { FileStore, FileStoreKey } from './file-store.js'

/** An output stream of the command: `process.stdout`/`stderr` or a test double. */
export interface CommandStream {
  write(text: string): unknown
  isTTY?: boolean | undefined
  columns?: number | undefined
  rows?: number | undefined
}

/** Everything the command touches outside itself, injected so it can run in tests. */
export interface CommandIo {
  /** Results: tokens, JSON, claims. */
  stdout: CommandStream
  /** Prompts, progress, warnings and errors. */
  stderr: CommandStream
  /** Read by `decode -`. */
  stdin?: (AsyncIterable<string | Uint8Array> & { isTTY?: boolean | undefined }) | undefined
  /** Environment variables (`OAUTHKIT_*`, `XDG_CONFIG_HOME`, `HOME`). */
  env: Record<string, string | undefined>
  /** Aborted on Ctrl-C: a waiting login stops and the command exits 130. */
  signal?: AbortSignal | undefined
  /** Opens the browser for `login --browser`; default: the system browser. */
  openBrowser?: ((url: string) => unknown) | undefined
}

/** The settings every subcommand reads, from flags first, then the environment. */
export interface Settings {
  issuer?: string | undefined
  clientId?: string | undefined
  scope: string
  /** RFC 8707 resource indicators, sent with the login (and kept by the grant). */
  resource?: string[] | undefined
  tokenFile: string
  allowInsecureRequests: boolean
  json: boolean
  qr: boolean
  open: boolean
  browser: boolean
  /** Seconds `login --browser` waits for the browser. */
  timeout: number
}

/** What a subcommand receives. */
export interface CommandContext {
  io: CommandIo
  settings: Settings
  /** Positional arguments after the subcommand's name. */
  args: string[]
  store: FileStore
  signal: AbortSignal
}

/** A mistake in how the command was called: exit code 2. */
export function usageError(message: string): OAuthKitError {
  return new OAuthKitError(message, { code: 'ERR_USAGE' })
}

/**
 * The store key of the configured issuer and client, or a usage error naming what is missing. An
 * `http:` issuer needs `--allow-insecure-requests`: refused here, before any request, so that it
 * is a usage error (exit 2) and not a failed discovery (exit 5).
 */
export function requireKey(settings: Settings): FileStoreKey {
  if (!settings.issuer) throw usageError('no issuer: pass --issuer or set OAUTHKIT_ISSUER')
  const { protocol } = new URL(settings.issuer)
  if (protocol === 'http:' && !settings.allowInsecureRequests) {
    throw usageError(
      'the issuer is an http:// URL: pass --allow-insecure-requests (or set OAUTHKIT_ALLOW_INSECURE_REQUESTS=1) to allow it, for local development only',
    )
  }
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw usageError('the issuer must be an https:// URL')
  }
  if (!settings.clientId) {
    throw usageError('no client id: pass --client-id or set OAUTHKIT_CLIENT_ID')
  }
  return { issuer: settings.issuer, clientId: settings.clientId }
}

/** Writes one line of JSON to stdout. */
export function writeJson(io: CommandIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value)}\n`)
}
