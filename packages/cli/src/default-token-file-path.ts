import { homedir } from 'node:os'
import { join } from 'node:path'

/** Where {@link defaultTokenFilePath} looks; defaults to the running process. */
export interface TokenFilePathOptions {
  /** Environment variables; default `process.env`. */
  env?: Record<string, string | undefined>
  /** `process.platform`-style platform name; default `process.platform`. */
  platform?: string
  /** The home directory; default `os.homedir()`. */
  home?: string
}

/**
 * The default location of the token file, in the user's configuration directory:
 * - Linux and other Unix: `$XDG_CONFIG_HOME/oauthkit/tokens.json`, falling back to
 *   `~/.config/oauthkit/tokens.json` (XDG Base Directory Specification);
 * - macOS: `~/Library/Application Support/oauthkit/tokens.json`;
 * - Windows: `%APPDATA%\oauthkit\tokens.json`.
 *
 * @see https://specifications.freedesktop.org/basedir-spec/latest/
 */
export function defaultTokenFilePath(options?: TokenFilePathOptions): string {
  const env = options?.env ?? process.env
  const platform = options?.platform ?? process.platform
  const home = options?.home ?? env.HOME ?? homedir()
  let base: string
  if (platform === 'win32') base = env.APPDATA || join(home, 'AppData', 'Roaming')
  else if (platform === 'darwin') base = join(home, 'Library', 'Application Support')
  // XDG: a relative XDG_CONFIG_HOME is invalid and must be ignored.
  else base = env.XDG_CONFIG_HOME?.startsWith('/') ? env.XDG_CONFIG_HOME : join(home, '.config')
  return join(base, 'oauthkit', 'tokens.json')
}
