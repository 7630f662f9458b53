const COMMON = `Options (flag, or environment variable):
  --issuer <url>               OAUTHKIT_ISSUER       the authorization server's issuer
  --client-id <id>             OAUTHKIT_CLIENT_ID    this client's identifier
  --scope <scopes>             OAUTHKIT_SCOPE        default "openid offline_access"
  --resource <uri>             OAUTHKIT_RESOURCE     RFC 8707 resource indicator, for a JWT access
                                                     token for that API (repeatable; spaces in the
                                                     variable separate several)
  --token-file <path>          OAUTHKIT_TOKEN_FILE   default: see "Token file" below
  --allow-insecure-requests    OAUTHKIT_ALLOW_INSECURE_REQUESTS=1
                               allow an http:// issuer (local development only)
                               OAUTHKIT_STORE_KEY    32 bytes, base64url: encrypts the tokens in
                                                     the token file (see README)
  --json                       machine-readable output on stdout
  -h, --help                   show help`

const EXIT_CODES = `Exit codes:
  0    success
  1    unexpected error
  2    usage error: unknown command or flag, missing issuer or client id, or an
       issuer that is not exactly the one the server names (a trailing slash)
  3    not logged in, or the session can no longer be refreshed: run "oauthkit login"
  4    login failed: denied, code expired, timed out, or state mismatch
  5    network or server error: unreachable, timeout, 5xx, bad response
  130  interrupted (Ctrl-C)`

/** Help text per subcommand; `main` is the overview. Internal. */
export const HELP: Readonly<Record<string, string>> = {
  main: `oauthkit: log in to any OAuth 2.0 / OpenID Connect server from a terminal

Usage: oauthkit <command> [options]

Commands:
  login          log in (device code by default, --browser for the system browser)
  token          print a valid access token, refreshing it if needed
  logout         revoke the tokens and forget them
  whoami         show who is logged in (ID token and userinfo claims)
  decode -       show the header, payload and expiry of a JWT read from stdin
                 (decodes, does NOT verify)
  status         show the stored sessions, without any network request
  help [cmd]     show help for a command

Example:
  export OAUTHKIT_ISSUER=https://as.example.com OAUTHKIT_CLIENT_ID=my-cli
  oauthkit login
  printf 'Authorization: Bearer %s\\n' "$(oauthkit token)" | curl -H @- https://api.example.com/
  (printf is a shell builtin, so the token never appears in a process's arguments.)

${COMMON}
  -V, --version                show the version

Token file:
  Linux   $XDG_CONFIG_HOME/oauthkit/tokens.json (default ~/.config/oauthkit/tokens.json)
  macOS   ~/Library/Application Support/oauthkit/tokens.json
  Windows %APPDATA%\\oauthkit\\tokens.json
  Mode 0600, one entry per issuer and client, written atomically.

${EXIT_CODES}
`,
  login: `Usage: oauthkit login [--browser] [options]

Logs in and saves the tokens. By default uses the device authorization grant (RFC 8628): it
shows a URL and a code (and a QR code, on a terminal wide enough) to approve on any device,
then waits, showing the time left. With --browser it opens the system browser and waits for
the redirect on http://127.0.0.1:<random port>/callback (RFC 8252); the client must allow
that redirect URI.

  --browser          log in through the system browser instead of a device code
  --no-open          with --browser: print the URL, do not launch a browser
  --no-qr            do not draw the QR code
  --timeout <secs>   with --browser: how long to wait for the browser (default 300)

With --json, writes one JSON object per line: {"event":"device_authorization",...} or
{"event":"authorization_url",...} first, then {"event":"login",...}.

${COMMON}

${EXIT_CODES}
`,
  token: `Usage: oauthkit token [options]

Prints a valid access token on stdout, refreshing it first when it expires within 30 seconds
(or within half its lifetime, for tokens that live less than a minute). Hand it to curl as a
header read from stdin:
  printf 'Authorization: Bearer %s\\n' "$(oauthkit token)" | curl -H @- https://api.example.com/
printf is a shell builtin, so the token stays out of every process's arguments. Avoid
  curl -H "Authorization: Bearer $(oauthkit token)" ...
which puts the token in curl's arguments, where other local users can read it (ps,
/proc/<pid>/cmdline).
With --json: {"accessToken","tokenType","expiresAt","scope"}.

${COMMON}

${EXIT_CODES}
`,
  logout: `Usage: oauthkit logout [options]

Revokes the refresh token and the access token at the server (RFC 7009) and forgets them. The
tokens are forgotten even when revocation fails; the exit code then says why (5 for network).

${COMMON}

${EXIT_CODES}
`,
  whoami: `Usage: oauthkit whoami [options]

Shows the claims of the logged-in user: from the userinfo endpoint when the server has one,
and from the ID token received at login (validated then).

${COMMON}

${EXIT_CODES}
`,
  decode: `Usage: oauthkit decode [-]

Shows a JWT's header and payload and says when it was issued and when it expires. This only
DECODES the token: the signature, issuer and audience are NOT verified, so nothing it shows
can be trusted. Reads the token from stdin ("-", or no argument with piped stdin):
  oauthkit decode - < token.txt
  pbpaste | oauthkit decode -
"oauthkit decode <jwt>" also works, but a token given as an argument is visible to other
local users (ps, /proc/<pid>/cmdline) and stays in your shell history: prefer stdin.

  --json   {"verified":false,"header":{...},"payload":{...},"expiresAt":"...","expired":false}

${EXIT_CODES}
`,
  status: `Usage: oauthkit status [options]

Lists the stored sessions (all of them, or those of --issuer / --client-id): subject, scope,
access token expiry and whether a refresh token is kept. Makes no network request. Exits 3
when no stored session is usable.

${COMMON}

${EXIT_CODES}
`,
}
