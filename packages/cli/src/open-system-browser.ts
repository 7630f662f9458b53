import { spawn } from 'node:child_process'
import { invalidArgument } from '@oauthkit/core/internal'

/**
 * Opens `url` in the user's default browser: `open` on macOS, `rundll32` on Windows (no shell,
 * so nothing in the URL is interpreted), `xdg-open` elsewhere. Resolves once the opener has
 * started, or failed to start: a machine without a browser is not an error here, because the
 * caller also shows the URL.
 *
 * @throws `TypeError` (`ERR_INVALID_ARG_VALUE`) unless `url` is an `http:` or `https:` URL.
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-4.1
 */
export function openSystemBrowser(url: string | URL): Promise<boolean> {
  const href = String(url)
  if (!/^https?:\/\//i.test(href) || URL.parse(href) === null) {
    throw invalidArgument('url', 'an http: or https: URL', 'ERR_INVALID_ARG_VALUE')
  }
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [href]]
      : process.platform === 'win32'
        ? ['rundll32', ['url.dll,FileProtocolHandler', href]]
        : ['xdg-open', [href]]
  return new Promise((resolve) => {
    const child = spawn(command, args as string[], { stdio: 'ignore', detached: true })
    child.once('error', () => resolve(false))
    child.once('spawn', () => {
      child.unref()
      resolve(true)
    })
  })
}
