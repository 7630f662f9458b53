import { decodeJwt } from '@oauthkit/core'
import { type CommandContext, usageError, writeJson } from './command-context.js'
import { formatRelativeTime } from './format-relative-time.js'

const NOT_VERIFIED =
  'Decoded only, NOT verified: the signature, issuer and audience were not checked,\n' +
  'so nothing below can be trusted.\n'

const TIME_CLAIMS: [claim: string, label: string][] = [
  ['iat', 'Issued'],
  ['nbf', 'Not before'],
  ['auth_time', 'Authenticated'],
  ['exp', 'Expires'],
]

/** `oauthkit decode -` (or `<jwt>`): header, payload and times, unverified. Internal. */
export async function decodeCommand(context: CommandContext): Promise<number> {
  const { io, args } = context
  if (args.length > 1) throw usageError('decode takes one token')
  let token = args[0]
  if (token === undefined || token === '-') {
    if (!io.stdin || (token === undefined && io.stdin.isTTY)) {
      throw usageError('no token: pipe it to "oauthkit decode -"')
    }
    token = await readAll(io.stdin)
  }
  // Tolerate a pasted "Bearer " prefix and surrounding whitespace.
  const { header, payload } = decodeJwt(token.trim().replace(/^Bearer\s+/i, ''))
  const exp = typeof payload.exp === 'number' ? payload.exp : undefined
  const expired = exp === undefined ? undefined : exp * 1000 <= Date.now()
  if (context.settings.json) {
    writeJson(io, {
      verified: false,
      header,
      payload,
      ...(exp === undefined ? {} : { expiresAt: new Date(exp * 1000).toISOString(), expired }),
    })
    return 0
  }
  let text = `${NOT_VERIFIED}\nHeader\n${pretty(header)}\n\nPayload\n${pretty(payload)}\n\n`
  const times = TIME_CLAIMS.filter(([claim]) => typeof payload[claim] === 'number')
  for (const [claim, label] of times) {
    const seconds = payload[claim] as number
    const name = claim === 'exp' && expired ? 'Expired' : label
    text += `${name.padEnd(14)}${new Date(seconds * 1000).toISOString()} (${formatRelativeTime(seconds)})\n`
  }
  if (exp === undefined) text += 'Expires       never: the token has no "exp" claim\n'
  io.stdout.write(text)
  return 0
}

function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2)
}

async function readAll(stream: AsyncIterable<string | Uint8Array>): Promise<string> {
  const decoder = new TextDecoder()
  let text = ''
  for await (const chunk of stream) {
    text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
    if (text.length > 1_000_000) throw usageError('the token on stdin is larger than 1 MB')
  }
  return text + decoder.decode()
}
