// The Backend-for-Frontend tour (draft-ietf-oauth-browser-based-apps §6.1): the playground's
// server runs `createBff` from @oauthkit/node/bff as the confidential client `web`; this page is
// the SPA and uses only `createBffClient` from @oauthkit/browser/bff. Every step shows what the
// page itself can see, which is the point: no token, ever.
import { createBffClient } from '@oauthkit/browser/bff'

/** Looks like a JWT (header.payload.…) or an OAuth token field with a value. */
const TOKEN_LIKE = /eyJ[\w-]{8,}\.[\w-]{8,}|"?(access|refresh|id)_?token"?\s*[:=]\s*"?[\w-]{16,}/i

/**
 * Everything a script in this page can read of cookies and storage, and whether any of it looks
 * like a token. The tour's own notes in sessionStorage are included: they must be clean too.
 */
export async function storageSeenByScripts() {
  const entries = (storage) =>
    Object.fromEntries(
      Array.from({ length: storage.length }, (_, i) => storage.key(i)).map((k) => [
        k,
        storage.getItem(k),
      ]),
    )
  const databases = (await indexedDB.databases?.()) ?? []
  const seen = {
    cookie: document.cookie,
    localStorage: entries(localStorage),
    sessionStorage: entries(sessionStorage),
    indexedDB: databases.map((db) => db.name),
  }
  return { seen, tokenLike: TOKEN_LIKE.test(JSON.stringify(seen)) }
}

/**
 * @param {{ esc: (v: unknown) => string, check: (ok: boolean, html: string, testid: string) => string,
 *   recordingFetch: (log: object[], label: string) => typeof fetch }} helpers
 */
export function bffTour({ esc, check, recordingFetch }) {
  /** The companion, its requests recorded into `log`; `navigate` captures where it would go. */
  const companion = (log, label, navigate) =>
    createBffClient({
      fetch: recordingFetch(log, label),
      ...(navigate ? { navigate } : {}),
    })
  const serverView = async () => (await fetch('/pg/bff/server-view')).json()
  const json = (value) => `<pre class="json">${esc(JSON.stringify(value, null, 2))}</pre>`

  const storageReport = async () => {
    const { seen, tokenLike } = await storageSeenByScripts()
    const html = `<table class="params" data-testid="bff-storage"><thead><tr><th>what a script reads</th><th>value</th></tr></thead><tbody>
<tr><td><code>document.cookie</code></td><td><code data-testid="bff-document-cookie">${esc(JSON.stringify(seen.cookie))}</code></td></tr>
<tr><td><code>localStorage</code></td><td><code class="wrap">${esc(JSON.stringify(seen.localStorage))}</code></td></tr>
<tr><td><code>sessionStorage</code></td><td><code class="wrap">${esc(Object.keys(seen.sessionStorage).join(', ') || '(empty)')}</code>${Object.keys(seen.sessionStorage).length ? ' <span class="muted">(this playground’s own tour notes, scanned too)</span>' : ''}</td></tr>
<tr><td>IndexedDB databases</td><td><code>${esc(JSON.stringify(seen.indexedDB))}</code>${seen.indexedDB.length ? ' <span class="muted">(left by the other tours, which keep tokens in the browser)</span>' : ''}</td></tr>
</tbody></table>${check(!tokenLike && !seen.cookie.includes('oauthkit-session'), 'nothing token-like, and no session cookie, anywhere a script can read', 'bff-storage-clean')}`
    return { html, seen, tokenLike }
  }

  return {
    title: 'Backend for Frontend (BFF)',
    short: 'BFF',
    badge: 'recommended',
    lanes: ['owner', 'client', 'as', 'rs', 'attacker'],
    laneNotes: {
      owner: 'this page (the SPA)',
      client: 'the BFF (server)',
      rs: '/api on the server',
      attacker: 'an injected script',
    },
    intro:
      'The most secure way for a single-page app (draft-ietf-oauth-browser-based-apps §6.1): the playground’s server is the OAuth client (<code>createBff</code>, confidential client <code>web</code>) and keeps every token. This page holds one HttpOnly cookie, calls the API through the server, and never sees a token.',
    steps: [
      {
        title: 'The page asks the BFF who is signed in',
        actor: 'owner',
        from: 'owner',
        to: 'client',
        label: 'GET /auth/user → null',
        note: 'The SPA loads anonymous and asks; it has no token to inspect. The answer is the user’s claims or <code>null</code>, never a token. The companion adds <code>x-oauthkit-csrf: 1</code> to every request: a header another site cannot send without a CORS preflight the BFF never approves (§6.1.3.2).',
        run: async (t) => {
          const exchanges = []
          const user = await companion(exchanges, 'The companion: who is signed in?').getUser()
          t.data.userBefore = user ?? null
          return {
            exchanges,
            html: `<p>This page uses <code>createBffClient()</code> from <code>@oauthkit/browser/bff</code> (a few hundred bytes; no OAuth code at all). The server runs:</p>
<pre class="json">createBff({ issuer, clientId: 'web', clientSecret, secret,
  redirectUri: '${esc(location.origin)}/auth/callback',
  apis: [{ prefix: '/bff-api', upstream: '${esc(location.origin)}/api' }] })</pre>
<p data-testid="bff-user-before">${user ? `Already signed in as <strong>${esc(user.name ?? user.sub)}</strong> (an earlier visit).` : 'Anonymous: <code>null</code>.'}</p>`,
          }
        },
      },
      {
        title: 'Sign in through the BFF',
        actor: 'owner',
        from: 'owner',
        to: 'as',
        label: 'GET /auth/login → 303 /auth?… sign in',
        note: 'The BFF builds the request (PKCE, <code>state</code>, <code>nonce</code>) and keeps the transaction in a short-lived cookie it sealed (AES-GCM): HttpOnly, unreadable even to this page. You sign in at the authorization server as in the other tours.',
        navigates: true,
        run: async () => {
          let url
          companion([], 'login', (u) => {
            url = u
          }).login({ returnTo: '/callback' })
          return { navigate: url }
        },
      },
      {
        title: 'The BFF redeems the code and sets a session cookie',
        actor: 'client',
        from: 'as',
        to: 'client',
        label: '/auth/callback → tokens stay; Set-Cookie',
        auto: true,
        note: 'The code went to <code>/auth/callback</code>, on the server: it redeemed it with its secret and PKCE verifier, validated the ID token, stored the tokens under a new session id (256 random bits; the store keys its SHA-256) and sent only that id, in an HttpOnly cookie. A new id at every login: an id planted before login is worthless (no session fixation).',
        run: async (t) => {
          const exchanges = []
          const user = await companion(exchanges, 'The companion: who is signed in?').getUser()
          const view = await serverView()
          const url = new URL(t.data.callbackUrl)
          t.data.user = user ?? null
          return {
            exchanges,
            html: `<p class="url"><code>${esc(url.href)}</code></p>
${check(!url.search && !url.hash, 'the page came back with nothing in its URL: no code, no token', 'bff-clean-url')}
${check(Boolean(user), `signed in as <strong data-testid="bff-signed-in-as">${esc(user?.name ?? user?.sub ?? '')}</strong>: the claims come from the BFF, which validated the ID token`, 'bff-user')}
<h4>What the BFF sent the browser (<code>Set-Cookie</code>, values masked here)</h4>
<pre class="json" data-testid="bff-set-cookie">${esc(view.setCookie.join('\n'))}</pre>
<p><code>HttpOnly</code>: scripts cannot read it. <code>SameSite=Strict</code>: no other site’s page, form or link can make the browser send it. No <code>Secure</code> and no <code>__Host-</code> prefix only because this playground runs on plain HTTP on 127.0.0.1 (<code>allowInsecureCookies</code>, refused for any other host); in production the cookie is <code>__Host-oauthkit-session</code>, <code>Secure</code>.</p>
<h4>What the server holds for that cookie (tokens masked by the playground)</h4>
<div data-testid="bff-server-view">${json({ storeKey: view.storeKey, session: view.session })}</div>`,
          }
        },
      },
      {
        title: 'Look for the session where scripts can',
        actor: 'owner',
        from: 'owner',
        to: 'owner',
        label: 'document.cookie, storage, IndexedDB',
        note: 'Tokens in the browser can be read by any script that runs in the page: an XSS, a compromised dependency, an extension. Here there is nothing to read: the session cookie is HttpOnly and no token was ever sent to the page.',
        run: async () => {
          const { html } = await storageReport()
          return {
            html: `${html}<p>The browser still holds the cookie and sends it with every request to this origin, but it never shows it to JavaScript: <code>document.cookie</code> does not list it.</p>`,
          }
        },
      },
      {
        title: 'Call the API through the BFF',
        actor: 'client',
        from: 'client',
        to: 'rs',
        label: 'GET /bff-api/profile → Bearer added',
        note: 'The page calls <code>/bff-api/profile</code> with its cookie; the BFF finds the session, refreshes the access token if it is due, and forwards to the allow-listed API with <code>Authorization: Bearer …</code>. Cookies and the CSRF header are not forwarded: the API sees a normal OAuth request (RFC 6750), and nothing outside the allow-list can be reached.',
        run: async () => {
          const exchanges = []
          await companion(exchanges, 'What the browser sent (and got back)').fetch(
            '/bff-api/profile',
          )
          const seen = await (await fetch('/pg/bff/api-seen')).json()
          const sent = exchanges[0]?.request.headers ?? {}
          return {
            exchanges,
            html: `<div class="compare"><div><h5>The browser sent</h5><pre class="json" data-testid="bff-browser-sent">GET /bff-api/profile
${esc(
  Object.entries(sent)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n'),
)}
cookie: oauthkit-session=… (added by the browser; invisible to scripts)</pre></div>
<div><h5>The API received</h5><pre class="json" data-testid="bff-api-received">${esc(seen?.method ?? '')} ${esc(seen?.path ?? '')}
${esc(
  Object.entries(seen?.headers ?? {})
    .filter(([k]) => ['authorization', 'cookie', 'x-oauthkit-csrf', 'accept'].includes(k))
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n'),
)}</pre></div></div>
${check(!('authorization' in sent), 'no Authorization header left the browser', 'bff-no-token-sent')}
${check(String(seen?.headers?.authorization ?? '').startsWith('Bearer '), 'the API received a bearer token, added by the BFF', 'bff-token-added')}
${check(!seen?.headers?.cookie && !seen?.headers?.['x-oauthkit-csrf'], 'the browser’s cookie and the CSRF header stopped at the BFF', 'bff-cookie-stripped')}`,
          }
        },
      },
      {
        title: 'What an injected script can and cannot do',
        actor: 'attacker',
        from: 'attacker',
        to: 'client',
        label: 'fetch(/bff-api/…) yes; steal a token no',
        note: 'A BFF does not make XSS harmless: while the page is open, an injected script can call the API through the BFF, as the page can. What it loses is the token: there is none to read or send home, so the attack ends when the tab closes, and the refresh token (the long-lived prize) stays on the server.',
        run: async () => {
          // What a script injected into this page would try, run for real.
          const withHeader = await fetch('/bff-api/profile', {
            headers: { 'x-oauthkit-csrf': '1' },
          })
          const withoutHeader = await fetch('/bff-api/profile')
          const user = await (
            await fetch('/auth/user', { headers: { 'x-oauthkit-csrf': '1' } })
          ).text()
          const { seen, tokenLike } = await storageSeenByScripts()
          const found = tokenLike || TOKEN_LIKE.test(user)
          const row = (ok, what, result, testid) =>
            `<tr data-testid="${testid}" data-ok="${ok}"><td>${what}</td><td>${result}</td></tr>`
          return {
            html: `<table class="params"><thead><tr><th>the injected script tries</th><th>here, behind the BFF</th></tr></thead><tbody>
${row(withHeader.ok, "<code>fetch('/bff-api/profile', { headers: { 'x-oauthkit-csrf': '1' } })</code>", `<span class="check bad">works</span>: ${withHeader.status}, the API answers for you while this page is open`, 'bff-xss-call')}
${row(withoutHeader.status === 403, 'the same without the header (a form or an image on another site)', `refused: ${withoutHeader.status}`, 'bff-xss-no-header')}
${row(!found, 'read a token from the page, its cookies, storage or <code>/auth/user</code>', found ? '<span class="check bad">found one</span>' : 'nothing to read', 'bff-xss-read')}
${row(!seen.cookie.includes('oauthkit-session'), 'read the session cookie to replay it from elsewhere', 'not readable (HttpOnly)', 'bff-xss-cookie')}
</tbody></table>
<h4>The same script against tokens in the browser (the Code + PKCE tour)</h4>
<table class="params" data-testid="bff-compare"><thead><tr><th>the injected script</th><th>tokens in the browser</th><th>BFF</th></tr></thead><tbody>
<tr><td>calls the API while the page is open</td><td>yes</td><td>yes, through the BFF</td></tr>
<tr><td>reads the access token and sends it home</td><td>yes: usable from anywhere until it expires</td><td>no: never in the page</td></tr>
<tr><td>reads the refresh token (or runs a new silent login)</td><td>yes: new tokens for as long as the grant lives</td><td>no: it stays on the server</td></tr>
<tr><td>keeps access after the tab closes</td><td>yes</td><td>no</td></tr>
</tbody></table>`,
          }
        },
      },
      {
        title: 'Log out',
        actor: 'owner',
        from: 'owner',
        to: 'as',
        label: 'POST /auth/logout → revoke, end session',
        note: 'The BFF ends the session in its store, revokes the refresh token at the authorization server (RFC 7009) and clears the cookie; then the page goes to the server’s end-session page (RP-Initiated Logout) and comes back.',
        navigates: true,
        run: async (t) => {
          t.data.liveBefore = (await serverView()).liveRefreshTokens
          let url
          await companion([], 'logout', (u) => {
            url = u
          }).logout()
          return { navigate: url }
        },
      },
      {
        title: 'Signed out everywhere',
        actor: 'client',
        from: 'as',
        to: 'owner',
        label: '/auth/user → null, proxy → 401',
        auto: true,
        note: 'The session is gone from the server, the grant is revoked at the authorization server: the old cookie (had anyone copied it) opens nothing, and no refresh token is left to use.',
        run: async (t) => {
          const exchanges = []
          const auth = companion(exchanges, 'After logout')
          const user = await auth.getUser()
          await auth.fetch('/bff-api/profile')
          const view = await serverView()
          const { html } = await storageReport()
          return {
            exchanges,
            html: `${check(user === undefined, '<code>/auth/user</code> answers <code>null</code>', 'bff-logged-out')}
${check(view.liveRefreshTokens < t.data.liveBefore, `the refresh token was revoked: the server holds ${esc(view.liveRefreshTokens)} live refresh token(s) for <code>web</code>, ${esc(t.data.liveBefore)} before logout`, 'bff-revoked')}
${html}`,
          }
        },
      },
    ],
  }
}
