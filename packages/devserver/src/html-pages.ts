import type { DevServerUser } from './default-users.js'
import { escapeHtml, escapeText } from './escape-html.js'

// Every page is server-rendered, script-free HTML. All dynamic text goes through escapeHtml
// because client names, scopes and error descriptions come from the request.

const STYLE = `
:root{color-scheme:light dark;--bg:#f4f5f7;--card:#fff;--fg:#1d2433;--muted:#5b6478;--accent:#3b5bdb;--line:#dfe3ea;--bad:#c92a2a}
@media (prefers-color-scheme:dark){:root{--bg:#14161b;--card:#1d2027;--fg:#e7e9ee;--muted:#9aa3b5;--accent:#748ffc;--line:#2c313c}}
*{box-sizing:border-box}body{margin:0;min-height:100vh;display:grid;place-items:center;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{width:min(420px,92vw);background:var(--card);border:1px solid var(--line);border-radius:14px;padding:28px 28px 20px;box-shadow:0 8px 30px rgba(0,0,0,.08)}
h1{font-size:1.35rem;margin:0 0 4px}p{margin:.4rem 0}.muted{color:var(--muted);font-size:.9rem}.error{color:var(--bad);font-weight:600}
label{display:block;font-size:.85rem;color:var(--muted);margin-top:12px}
input[type=text],input[type=password]{width:100%;padding:10px 12px;margin-top:4px;border:1px solid var(--line);border-radius:8px;background:transparent;color:inherit;font:inherit}
button{font:inherit;border-radius:8px;padding:10px 14px;cursor:pointer;border:1px solid var(--line);background:transparent;color:inherit}
button.primary{width:100%;margin-top:16px;background:var(--accent);border-color:var(--accent);color:#fff;font-weight:600}
.row{display:flex;gap:8px;margin-top:16px}.row button{flex:1}
ul.scopes{padding-left:1.1rem}ul.scopes code,code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85em}
table{width:100%;border-collapse:collapse;margin-top:8px;font-size:.85rem}td,th{text-align:left;padding:4px 6px;border-top:1px solid var(--line)}
td form{margin:0}td button{padding:3px 10px;font-size:.8rem}.code{font:600 1.6rem ui-monospace,monospace;letter-spacing:.12em;text-align:center;margin:12px 0}
footer{margin-top:18px;font-size:.75rem;color:var(--muted);text-align:center}`

/** Wraps a page body in the shared layout. */
export function renderPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · oauthkit devserver</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
<footer>oauthkit devserver, for development only</footer>
</main>
</body>
</html>`
}

/** Human descriptions of the scopes the server knows. */
const SCOPE_DESCRIPTIONS: Record<string, string> = {
  openid: 'Sign you in (your user identifier)',
  profile: 'Your name, username, picture, locale and time zone',
  email: 'Your email address and whether it is verified',
  offline_access: 'Stay signed in (refresh tokens)',
  'api:read': 'Read data from the test API',
  'api:write': 'Change data in the test API',
}

/** Inputs for {@link renderLoginPage}. */
export interface LoginPageInput {
  uid: string
  clientName: string
  users: readonly DevServerUser[]
  error?: string
  username?: string
}

/** The login form (username and password), listing the test users with one-click sign-in. */
export function renderLoginPage(input: LoginPageInput): string {
  const action = `/interaction/${encodeURIComponent(input.uid)}/login`
  const rows = input.users
    .map(
      (user) => `<tr><td><code>${escapeHtml(user.username)}</code></td>
<td><code>${escapeHtml(user.password)}</code></td>
<td>${escapeHtml(user.claims.name ?? '')}</td>
<td><form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="username" value="${escapeHtml(user.username)}">
<input type="hidden" name="password" value="${escapeHtml(user.password)}">
<button type="submit">Use</button></form></td></tr>`,
    )
    .join('\n')
  return renderPage(
    'Sign in',
    `<h1>Sign in</h1>
<p class="muted">to continue to <strong>${escapeHtml(input.clientName)}</strong></p>
${input.error ? `<p class="error" role="alert">${escapeHtml(input.error)}</p>` : ''}
<form method="post" action="${escapeHtml(action)}" data-prompt="login">
<label for="username">Username</label>
<input id="username" type="text" name="username" autocomplete="username" autofocus required value="${escapeHtml(input.username ?? '')}">
<label for="password">Password</label>
<input id="password" type="password" name="password" autocomplete="current-password" required>
<button class="primary" type="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${escapeHtml(encodeURIComponent(input.uid))}/abort">
<div class="row"><button type="submit">Cancel</button></div>
</form>
<p class="muted" style="margin-top:18px">Test users</p>
<table><thead><tr><th>User</th><th>Password</th><th>Name</th><th></th></tr></thead>
<tbody>${rows}</tbody></table>`,
  )
}

/** Inputs for {@link renderConsentPage}. */
export interface ConsentPageInput {
  uid: string
  clientName: string
  username: string
  scopes: string[]
  claims: string[]
  resources: Record<string, string[]>
}

/** The consent page listing the requested scopes, claims and API permissions. */
export function renderConsentPage(input: ConsentPageInput): string {
  const base = `/interaction/${encodeURIComponent(input.uid)}`
  const items = input.scopes.map(
    (scope) =>
      `<li><code>${escapeHtml(scope)}</code>: ${escapeHtml(SCOPE_DESCRIPTIONS[scope] ?? 'custom scope')}</li>`,
  )
  for (const claim of input.claims) {
    items.push(`<li>claim <code>${escapeHtml(claim)}</code></li>`)
  }
  for (const [resource, scopes] of Object.entries(input.resources)) {
    for (const scope of scopes) {
      items.push(
        `<li><code>${escapeHtml(scope)}</code> on <code>${escapeHtml(resource)}</code>: ${escapeHtml(SCOPE_DESCRIPTIONS[scope] ?? 'API permission')}</li>`,
      )
    }
  }
  const list =
    items.length > 0
      ? `<ul class="scopes">${items.join('\n')}</ul>`
      : '<p class="muted">No new permissions are requested.</p>'
  return renderPage(
    'Authorize',
    `<h1>Authorize ${escapeHtml(input.clientName)}</h1>
<p class="muted">Signed in as <strong>${escapeHtml(input.username)}</strong>. The app asks to:</p>
${list}
<form method="post" action="${escapeHtml(`${base}/confirm`)}" data-prompt="consent">
<button class="primary" type="submit">Allow</button>
</form>
<form method="post" action="${escapeHtml(`${base}/abort`)}">
<div class="row"><button type="submit">Deny</button></div>
</form>`,
  )
}

/** A simple message page (errors, device success, logout success). */
export function renderMessagePage(title: string, message: string, isError = false): string {
  return renderPage(
    title,
    `<h1>${escapeText(title)}</h1><p${isError ? ' class="error"' : ''}>${escapeText(message)}</p>`,
  )
}
