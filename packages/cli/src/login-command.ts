import { decodeJwt, type TokenSet } from '@oauthkit/core'
import { type CommandContext, requireKey, writeJson } from './command-context.js'
import { type DevicePrompt, deviceLogin } from './device-login.js'
import { formatRelativeTime } from './format-relative-time.js'
import { loopbackLogin } from './loopback-login.js'
import { openSystemBrowser } from './open-system-browser.js'
import { renderTerminalQr } from './render-terminal-qr.js'
import { startCountdown } from './start-countdown.js'

/** `oauthkit login`: device flow by default, loopback with `--browser`. Internal. */
export async function loginCommand(context: CommandContext): Promise<number> {
  const { io, settings, signal, store } = context
  const key = requireKey(settings)
  const connection = {
    ...key,
    scope: settings.scope,
    ...(settings.resource ? { resource: settings.resource } : {}),
    allowInsecureRequests: settings.allowInsecureRequests,
    signal,
  }
  let countdown = { stop: () => {} }
  let tokenSet: TokenSet
  try {
    if (settings.browser) {
      tokenSet = await loopbackLogin({
        ...connection,
        timeout: settings.timeout * 1000,
        openBrowser: async (url) => {
          io.stderr.write(
            settings.open
              ? `Opening your browser to log in. If it does not open, visit:\n\n  ${url}\n\n`
              : `To log in, open this URL in a browser on this machine:\n\n  ${url}\n\n`,
          )
          // After the human text: a script reading stdout may act at once.
          if (settings.json) writeJson(io, { event: 'authorization_url', url })
          if (settings.open) await (io.openBrowser ?? openSystemBrowser)(url)
          countdown = startCountdown(
            io.stderr,
            Date.now() + settings.timeout * 1000,
            'Waiting for the browser',
            'gives up in',
          )
        },
      })
    } else {
      tokenSet = await deviceLogin({
        ...connection,
        onPrompt: (prompt) => {
          io.stderr.write(formatPrompt(prompt, context))
          if (settings.json) {
            writeJson(io, { event: 'device_authorization', ...publicPrompt(prompt) })
          }
          countdown = startCountdown(io.stderr, prompt.expiresAt, 'Waiting for approval')
        },
      })
    }
  } finally {
    countdown.stop()
  }
  await store.set(key, tokenSet)
  const subject = identify(tokenSet)
  if (settings.json) {
    writeJson(io, {
      event: 'login',
      issuer: key.issuer,
      clientId: key.clientId,
      subject: subject?.sub,
      scope: tokenSet.scope,
      expiresAt: tokenSet.expiresAt,
      refreshToken: tokenSet.refreshToken !== undefined,
      tokenFile: store.path,
    })
  } else {
    const who = subject ? ` as ${subject.label}` : ''
    const expiry = tokenSet.expiresAt
      ? `, access token expires ${formatRelativeTime(tokenSet.expiresAt)}`
      : ''
    io.stdout.write(`Logged in to ${key.issuer}${who}${expiry}.\nTokens saved to ${store.path}\n`)
  }
  return 0
}

function publicPrompt(prompt: DevicePrompt) {
  return {
    userCode: prompt.userCode,
    verificationUri: prompt.verificationUri,
    verificationUriComplete: prompt.verificationUriComplete,
    expiresAt: new Date(prompt.expiresAt).toISOString(),
  }
}

function formatPrompt(prompt: DevicePrompt, context: CommandContext): string {
  const { stderr } = context.io
  let text =
    `To log in, open this URL in a browser on any device:\n\n  ${prompt.verificationUri}\n\n` +
    `and enter the code:\n\n  ${prompt.userCode}\n\n`
  if (context.settings.qr && stderr.isTTY) {
    const target = prompt.verificationUriComplete ?? prompt.verificationUri
    // Leave room for the lines above and the countdown below.
    const qr = renderTerminalQr(target, {
      columns: stderr.columns,
      rows: stderr.rows ? stderr.rows - 4 : undefined,
    })
    if (qr) text += `Or scan this QR code (it opens ${target}):\n\n${qr}\n`
  }
  return text
}

function identify(tokenSet: TokenSet): { sub: string; label: string } | undefined {
  if (!tokenSet.idToken) return undefined
  try {
    const { sub, name, preferred_username, email } = decodeJwt(tokenSet.idToken).payload
    if (typeof sub !== 'string') return undefined
    const display = [name, preferred_username, email].find((value) => typeof value === 'string')
    return { sub, label: display ? `${display} (${sub})` : sub }
  } catch {
    return undefined
  }
}
