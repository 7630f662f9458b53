/** The longest server-written text (an `error_description`) a message repeats. */
const MAX_DISPLAY_TEXT = 200

// A run that could be a credential: 20+ characters of the base64url/JWT/hex alphabets with a
// digit in it, or 32+ of them. Parameter names and English words fall short of it; codes,
// refresh tokens, JWTs and secrets do not.
const CREDENTIAL_LIKE = /[\w.~+/=-]{20,}/g

/**
 * Server-written text made safe for a message, a log line or a terminal: control characters
 * (escape sequences, line breaks that forge log lines) and bidirectional overrides become spaces,
 * runs of spaces collapse, and anything past {@link MAX_DISPLAY_TEXT} characters is cut with `…`.
 * With `redact`, anything that looks like a credential becomes `[redacted]`: a server that
 * echoes the code or the refresh token it refused must not put it in our message.
 *
 * On `@oauthkit/core/internal`: no semver promise.
 */
export function toDisplayText(text: string, options?: { redact?: boolean }): string {
  let clean = text
    .replace(/[\p{Cc}\p{Cf}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  if (options?.redact) {
    clean = clean.replace(CREDENTIAL_LIKE, (run) =>
      run.length >= 32 || /\d/.test(run) ? '[redacted]' : run,
    )
  }
  return clean.length > MAX_DISPLAY_TEXT ? `${clean.slice(0, MAX_DISPLAY_TEXT - 1)}…` : clean
}
