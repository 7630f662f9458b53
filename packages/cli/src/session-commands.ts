import {
  decodeJwt,
  fetchUserInfo,
  isExpired,
  isOAuthResponseError,
  OAuthKitError,
  type TokenSet,
  type UserInfo,
} from '@oauthkit/core'
import { type CommandContext, requireKey, writeJson } from './command-context.js'
import { connect } from './connect.js'
import { type FileStoreEntry, subjectOf } from './file-store.js'
import { formatRelativeTime } from './format-relative-time.js'

function notLoggedIn(issuer: string): OAuthKitError {
  // No "run oauthkit login" here: the command prints that as the hint of every ERR_LOGIN_REQUIRED.
  return new OAuthKitError(`not logged in to ${issuer}`, {
    code: 'ERR_LOGIN_REQUIRED',
  })
}

async function currentTokens(context: CommandContext): Promise<TokenSet> {
  const key = requireKey(context.settings)
  const tokenSet = await context.store.get(key, {
    allowInsecureRequests: context.settings.allowInsecureRequests,
    signal: context.signal,
  })
  if (!tokenSet) throw notLoggedIn(key.issuer)
  return tokenSet
}

/** `oauthkit token`: a valid access token on stdout. Internal. */
export async function tokenCommand(context: CommandContext): Promise<number> {
  const tokenSet = await currentTokens(context)
  if (context.settings.json) {
    writeJson(context.io, {
      accessToken: tokenSet.accessToken,
      tokenType: tokenSet.tokenType,
      expiresAt: tokenSet.expiresAt,
      scope: tokenSet.scope,
    })
  } else {
    context.io.stdout.write(`${tokenSet.accessToken}\n`)
  }
  return 0
}

/**
 * `oauthkit logout`: forget, and revoke (RFC 7009) every token removed, including the refresh
 * token of a refresh that another process had in flight. Internal.
 */
export async function logoutCommand(context: CommandContext): Promise<number> {
  const { io, settings, store } = context
  const key = requireKey(settings)
  // Forgotten whatever the server says: a logout must never leave tokens behind.
  const { tokenSet, revoked, error } = await store.end(key, {
    allowInsecureRequests: settings.allowInsecureRequests,
    signal: context.signal,
  })
  if (!tokenSet) {
    if (settings.json) writeJson(io, { loggedOut: false, revoked: false, reason: 'not logged in' })
    else io.stdout.write(`Not logged in to ${key.issuer}.\n`)
    return 0
  }
  if (settings.json) {
    writeJson(io, { loggedOut: true, revoked, ...(error ? { error: error.message } : {}) })
  } else if (revoked) {
    io.stdout.write(`Logged out of ${key.issuer}: tokens revoked and forgotten.\n`)
  } else {
    io.stdout.write(`Logged out of ${key.issuer}: tokens forgotten.\n`)
    if (!error) io.stderr.write('warning: the server has no revocation endpoint\n')
  }
  if (error) {
    throw new OAuthKitError(`the tokens were forgotten, but revocation failed: ${error.message}`, {
      code: error.code,
      cause: error,
    })
  }
  return 0
}

// Claims about the token rather than the user: not worth showing in `whoami`.
const PROTOCOL_CLAIMS = new Set([
  'aud',
  'exp',
  'iat',
  'nbf',
  'nonce',
  'at_hash',
  'c_hash',
  'sid',
  'jti',
  'azp',
])

/** `oauthkit whoami`: userinfo and ID token claims. Internal. */
export async function whoamiCommand(context: CommandContext): Promise<number> {
  const { io, settings } = context
  const key = requireKey(settings)
  const tokenSet = await currentTokens(context)
  const idToken = tokenSet.idToken ? decodeJwt(tokenSet.idToken).payload : undefined
  const client = await connect(
    { ...key, allowInsecureRequests: settings.allowInsecureRequests },
    context.signal,
  )
  let userinfo: UserInfo | undefined
  if (client.metadata.userinfo_endpoint) {
    const sub = typeof idToken?.sub === 'string' ? idToken.sub : undefined
    try {
      userinfo = await fetchUserInfo(client, tokenSet.accessToken, {
        ...(sub ? { expectedSubject: sub } : {}),
        signal: context.signal,
      })
    } catch (err) {
      // A token for an API (`--resource`) is for that audience, and many servers' userinfo
      // refuses it with 401 invalid_token: the ID Token still says who logged in.
      if (!(idToken && isOAuthResponseError(err) && err.status === 401)) throw err
      io.stderr.write(
        `warning: userinfo refused the access token (${err.message}); showing the ID token's claims only\n`,
      )
    }
  }
  if (!idToken && !userinfo) {
    throw new OAuthKitError('no ID token and no userinfo endpoint: nothing says who you are', {
      code: 'ERR_UNSUPPORTED',
    })
  }
  if (settings.json) {
    writeJson(io, { issuer: key.issuer, clientId: key.clientId, idToken, userinfo })
    return 0
  }
  const claims: Record<string, unknown> = { ...idToken, ...userinfo }
  const rows = Object.entries(claims).filter(([name]) => !PROTOCOL_CLAIMS.has(name))
  const order = (name: string) => (name === 'sub' ? 0 : name === 'iss' ? 2 : 1)
  rows.sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b))
  io.stdout.write(formatRows(rows.map(([name, value]) => [name, formatClaim(name, value)])))
  return 0
}

function formatClaim(name: string, value: unknown): string {
  if ((name === 'auth_time' || name === 'updated_at') && typeof value === 'number') {
    return `${new Date(value * 1000).toISOString()} (${formatRelativeTime(value)})`
  }
  return typeof value === 'string' ? value : JSON.stringify(value)
}

function formatRows(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([name]) => name.length))
  return rows.map(([name, value]) => `${name.padEnd(width)}  ${value}\n`).join('')
}

/** `oauthkit status`: the stored sessions, offline. Internal. */
export async function statusCommand(context: CommandContext): Promise<number> {
  const { io, settings, store } = context
  const entries = (await store.list()).filter(
    (entry) =>
      (!settings.issuer || entry.issuer === settings.issuer) &&
      (!settings.clientId || entry.clientId === settings.clientId),
  )
  const sessions = entries.map(describeEntry)
  const usable = sessions.some((session) => session.usable)
  if (settings.json) {
    writeJson(io, { tokenFile: store.path, sessions })
  } else if (sessions.length === 0) {
    io.stdout.write(`Not logged in. Token file: ${store.path}\n`)
  } else {
    io.stdout.write(`Token file: ${store.path}\n`)
    for (const session of sessions) io.stdout.write(formatSession(session))
  }
  return usable ? 0 : 3
}

interface SessionSummary {
  issuer: string
  clientId: string
  subject?: string | undefined
  scope?: string | undefined
  expiresAt?: number | undefined
  expired: boolean
  refreshToken: boolean
  usable: boolean
  savedAt: number
}

function describeEntry(entry: FileStoreEntry): SessionSummary {
  const { tokenSet } = entry
  const expired = isExpired(tokenSet)
  const refreshToken = tokenSet.refreshToken !== undefined
  return {
    issuer: entry.issuer,
    clientId: entry.clientId,
    subject: subjectOf(entry),
    scope: tokenSet.scope,
    expiresAt: tokenSet.expiresAt,
    expired,
    refreshToken,
    usable: !expired || refreshToken,
    savedAt: entry.savedAt,
  }
}

function formatSession(session: SessionSummary): string {
  const expiry =
    session.expiresAt === undefined
      ? 'no expiry given'
      : `${session.expired ? 'expired' : 'valid, expires'} ${formatRelativeTime(session.expiresAt)} (${new Date(session.expiresAt * 1000).toISOString()})`
  const rows: [string, string][] = [
    ['  client', session.clientId],
    ['  subject', session.subject ?? '(no ID token)'],
    ['  access token', expiry],
    ['  refresh token', session.refreshToken ? 'yes' : 'no'],
    ['  scope', session.scope ?? '(not given)'],
  ]
  return `\n${session.issuer}${session.usable ? '' : '  [log in again]'}\n${formatRows(rows)}`
}
