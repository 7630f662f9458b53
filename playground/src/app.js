// The playground page: step through every OAuth 2.0 grant against the embedded dev server.
// Bundled by esbuild at start (playground/server.mjs); the SDK packages are bundled from source.

import { createBrowserClient } from '@oauthkit/browser'
import { decodeJwt, discover } from '@oauthkit/core'
import * as jose from 'jose'
import { bffTour } from './bff-tour.js'
import { COMPARISON_HTML } from './comparison.js'
import { cryptoTours } from './crypto-tours.js'
import { CLAIM_NOTES, SCOPE_NOTES } from './notes.js'

const $ = (selector, root = document) => root.querySelector(selector)
const esc = (value) =>
  String(value).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  )
const pretty = (text) => {
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}

const ROLES = {
  owner: { name: 'Resource owner', sub: 'you, in the browser' },
  client: { name: 'Client', sub: 'the application' },
  as: { name: 'Authorization server', sub: 'the dev server' },
  rs: { name: 'Resource server', sub: '/api on the playground' },
  attacker: { name: 'Attacker', sub: 'holds a stolen code' },
}

/** @type {any} */
let cfg
const STORE = 'oauthkit-playground'
/** The running tour: { tour, done, outputs, data } (persisted across the login redirect). */
let state = null
let viewIndex = -1
let busy = false

const save = () => sessionStorage.setItem(STORE, JSON.stringify(state))

async function postJson(path, body = {}) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return response.json()
}

/** A fetch that records the exchange, for requests the page itself makes. */
function recordingFetch(log, label) {
  return async (input, init = {}) => {
    const raw = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const url = new URL(raw, location.href).href
    // A Request carries its own method and headers (as the BFF companion sends them).
    const request = input instanceof Request ? input : undefined
    const headers = Object.fromEntries(new Headers(init.headers ?? request?.headers).entries())
    const body = init.body == null ? undefined : decodeURIComponent(String(init.body))
    const record = {
      label,
      request: { method: init.method ?? request?.method ?? 'GET', url, headers, body },
      masked: [],
    }
    log.push(record)
    const response = await fetch(input, init)
    const text = await response.clone().text()
    const picked = {}
    for (const name of ['content-type', 'cache-control', 'www-authenticate']) {
      const value = response.headers.get(name)
      if (value) picked[name] = value
    }
    record.response = { status: response.status, headers: picked, body: text }
    return response
  }
}

const tokenBodyOf = (exchanges) => {
  for (const x of [...exchanges].reverse()) {
    if (x.response?.status === 200) {
      try {
        const body = JSON.parse(x.response.body)
        if (body.access_token) return body
      } catch {}
    }
  }
  return undefined
}

const isJwt = (token) => typeof token === 'string' && token.split('.').length === 3

/** A ✓/✗ line; `text` is HTML. */
const check = (ok, text, testid) =>
  `<p class="check ${ok ? 'ok' : 'bad'}" data-testid="${testid}" data-ok="${ok}">${ok ? '✓' : '✗'} ${text}</p>`

function jwtsOf(tokens, idAudience) {
  const list = []
  if (tokens?.id_token)
    list.push({ label: 'ID token', token: tokens.id_token, kind: 'id', audience: idAudience })
  if (isJwt(tokens?.access_token))
    list.push({ label: 'Access token (RFC 9068 JWT)', token: tokens.access_token, kind: 'at' })
  return list
}

function paramsTable(url, highlight = []) {
  const parsed = new URL(url)
  const params = [...parsed.searchParams, ...new URLSearchParams(parsed.hash.slice(1))]
  return `<table class="params"><thead><tr><th>parameter</th><th>value</th></tr></thead><tbody>${params
    .map(
      ([k, v]) =>
        `<tr class="${highlight.includes(k) ? 'hl' : ''}"><td><code>${esc(k)}</code></td><td><code class="wrap">${esc(v)}</code></td></tr>`,
    )
    .join('')}</tbody></table>`
}

// ---------------------------------------------------------------------------------------------
// Step builders shared by the tours

/** Inspect and verify the JWTs received. */
const inspectStep = (idAudience, extra = '') => ({
  title: 'Inspect and verify the tokens',
  actor: 'client',
  from: 'client',
  to: 'client',
  label: 'verify JWTs against jwks_uri',
  note: 'Signature verification against the server’s published keys (JWKS) detects any change to a token; checking <code>iss</code>, <code>aud</code> and <code>exp</code> stops tokens meant for another server, another app, or from the past. Edit one character below and watch verification fail.',
  run: async (t) => {
    const jwts = jwtsOf(t.data.tokens, idAudience)
    let html = extra
    if (!isJwt(t.data.tokens?.access_token)) {
      html += `<div class="callout"><strong>The access token is opaque</strong> (<code>${esc(String(t.data.tokens?.access_token).slice(0, 12))}…</code>): no resource indicator was bound to it, so the server issued a random reference, not a JWT. A resource server cannot read it; it asks the authorization server (token introspection, RFC 7662).</div>`
    }
    return { jwts, html }
  },
})

/** Call the protected resource, with buttons for the wrong-scope and expired-token refusals. */
const apiStep = () => ({
  title: 'Call the protected resource',
  actor: 'client',
  from: 'client',
  to: 'rs',
  label: 'GET /api/profile  Authorization: Bearer …',
  note: 'The resource server checks the token itself (signature, issuer, audience, expiry) and then the scope. A token for a narrower scope is refused with 403 <code>insufficient_scope</code>; an expired one with 401 <code>invalid_token</code> (RFC 6750 §3.1).',
  run: async (t) => {
    const exchanges = []
    await recordingFetch(exchanges, 'Resource request with the access token')('/api/profile', {
      headers: { authorization: `Bearer ${t.data.tokens.access_token}` },
    })
    return { exchanges, api: true }
  },
})

async function callApi(kind) {
  const panel = $('#api-extra')
  const token = state.data.tokens.access_token
  const log = []
  panel.insertAdjacentHTML('beforeend', `<p class="muted pending">Calling…</p>`)
  if (kind === 'scope') {
    await recordingFetch(log, 'Same token, an endpoint that needs api:write')('/api/admin', {
      method: 'GET',
      headers: { authorization: `Bearer ${token}` },
    })
  } else {
    // The same client, user and scope as the tour's token: only the lifetime differs.
    const claims = isJwt(token) ? decodeJwt(token).payload : {}
    const minted = await postJson('/pg/expired-token', {
      clientId: claims.client_id,
      sub: claims.sub,
      scope: claims.scope,
    })
    if (minted.error) {
      $('.pending', panel)?.remove()
      panel.insertAdjacentHTML(
        'beforeend',
        `<p class="check bad" data-testid="step-error">✗ ${esc(minted.error.message)}</p>`,
      )
      return
    }
    const call = Object.entries(minted.options)
      .map(([k, v]) => `${k}: ${typeof v === 'string' ? `'${v}'` : v}`)
      .join(', ')
    const ago = -minted.options.ttl
    panel.insertAdjacentHTML(
      'beforeend',
      `<p class="callout" data-testid="expired-how"><strong>The server minted a token whose lifetime is already over.</strong> <code>devServer.mintAccessToken({ ${esc(call)} })</code> asked the dev server’s oidc-provider for an access token that expired ${ago} seconds before it was made (<code>exp</code> ${ago} s ago, <code>iat</code> one second before that). Otherwise it is a real token like yours: same client, subject and scope, signed with the server’s key for this API. ${ago} s is far past the ${esc(cfg.clockTolerance)} s of clock skew the API tolerates, so the API must refuse it, and nobody waits for a token to run out.</p>${renderJwt({ label: 'Expired access token', token: minted.accessToken, kind: 'at' })}`,
    )
    hydrateJwts(panel)
    await recordingFetch(log, 'An expired access token')('/api/profile', {
      headers: { authorization: `Bearer ${minted.accessToken}` },
    })
  }
  $('.pending', panel)?.remove()
  panel.insertAdjacentHTML('beforeend', log.map(renderExchange).join(''))
}

/** Front-channel navigation to the authorization endpoint. */
const loginStep = (urlKey, note) => ({
  title: 'Sign in at the authorization server',
  actor: 'owner',
  from: 'owner',
  to: 'as',
  label: 'GET /auth?… (browser redirect), sign in, consent',
  note:
    note ??
    'You type your password into the authorization server’s page only, never into the client. Pick a test user from the table on that page.',
  navigates: true,
  run: async (t) => ({ navigate: t.data[urlKey] }),
})

const callbackStep = (title, label, check) => ({
  title,
  actor: 'as',
  from: 'as',
  to: 'client',
  label,
  auto: true,
  note: 'The redirect goes only to a URI registered for this client (exact match). <code>state</code> must equal the value the client sent: it stops an attacker from feeding you their own code (CSRF, RFC 6749 §10.12).',
  run: async (t) => check(t),
})

// ---------------------------------------------------------------------------------------------
// The tours

/** The SPA client through @oauthkit/browser. */
const spaClient = (log, label, navigate) =>
  createBrowserClient({
    issuer: cfg.issuer,
    clientId: 'spa',
    redirectUri: cfg.redirectUri,
    scope: 'openid profile email api:read',
    resource: cfg.resource,
    fetch: recordingFetch(log, label),
    allowInsecureRequests: true,
    // Capture the URL instead of leaving the page, so the tour can show it first.
    navigate: navigate ?? (() => {}),
  })

const mechanismTours = cryptoTours({
  esc,
  check,
  postJson,
  recordingFetch,
  tokenBodyOf,
  config: () => cfg,
})

const TOURS = {
  spa: {
    title: 'Authorization code + PKCE',
    short: 'Code + PKCE (SPA)',
    badge: 'recommended',
    lanes: ['owner', 'client', 'as', 'rs'],
    intro:
      'A public single-page app (client <code>spa</code>, no secret) logs you in with the authorization code grant and PKCE. The whole client runs in this page, through the oauthkit SDK; every request it makes is shown.',
    steps: [
      {
        title: 'Build the authorization request',
        actor: 'client',
        from: 'client',
        to: 'client',
        label: 'discover, then state + nonce + PKCE',
        note: 'The client fetches the server’s metadata, then makes a fresh <code>state</code> (CSRF), <code>nonce</code> (ID token replay) and PKCE verifier. Only the S256 <em>challenge</em> travels in the URL; the verifier stays in this tab.',
        run: async (t) => {
          const exchanges = []
          const metadata = await discover(cfg.issuer, {
            allowInsecureRequests: true,
            fetch: recordingFetch(exchanges, 'Discovery (OpenID Connect Discovery §4)'),
          })
          t.data.metadata = metadata
          let href
          await spaClient(exchanges, 'Discovery (by the SDK)', (u) => {
            href = u
          }).login()
          t.data.tx = { state: new URL(href).searchParams.get('state') }
          t.data.url = href
          return {
            exchanges,
            html: `<p><code>auth.login()</code> from <code>@oauthkit/browser</code> stored the PKCE verifier, state and nonce in IndexedDB (this origin only) and handed over this URL:</p><p class="url"><code>${esc(href)}</code></p>${paramsTable(href, ['code_challenge', 'code_challenge_method', 'state', 'nonce'])}<p class="muted">Only the S256 challenge is in the URL; the verifier never leaves this origin until the token request.</p>`,
          }
        },
      },
      loginStep('url'),
      callbackStep(
        'The server redirects back with a code',
        '302 → /callback?code=…&state=…&iss=…',
        (t) => {
          const url = new URL(t.data.callbackUrl)
          const ok = url.searchParams.get('state') === t.data.tx.state
          return {
            html: `<p class="url"><code>${esc(t.data.callbackUrl)}</code></p>${paramsTable(t.data.callbackUrl, ['code'])}<p class="check ${ok ? 'ok' : 'bad'}">${ok ? '✓' : '✗'} <code>state</code> matches the one this tab sent</p><p>The code is short-lived, single-use, and worthless without the verifier this tab kept.</p>`,
          }
        },
      ),
      {
        title: 'Exchange the code (with the verifier)',
        actor: 'client',
        from: 'client',
        to: 'as',
        label: 'POST /token code + code_verifier',
        note: 'The server hashes <code>code_verifier</code> and compares it with the challenge it saw at /auth: a stolen code is useless to anyone who doesn’t hold the verifier (RFC 7636). No client secret: a browser cannot keep one.',
        run: async (t) => {
          const exchanges = []
          const label = 'Token request (authorization_code + PKCE)'
          const auth = spaClient(exchanges, label)
          await auth.handleRedirect(t.data.callbackUrl)
          const claims = await auth.getUser()
          t.data.tokens = tokenBodyOf(exchanges)
          const expiresAt = Date.now() + (t.data.tokens?.expires_in ?? 0) * 1000
          return {
            exchanges,
            html: `<p class="check ok">✓ <code>auth.handleRedirect()</code> validated the response and the ID token (signature, iss, aud, exp, nonce). Signed in as <strong data-testid="signed-in-as">${esc(claims?.name ?? claims?.sub)}</strong>; token expires at ${esc(new Date(expiresAt).toLocaleTimeString())}.</p>`,
          }
        },
      },
      inspectStep('spa'),
      apiStep(),
    ],
  },

  web: {
    title: 'Authorization code, confidential client (no PKCE)',
    short: 'Code + secret (web)',
    badge: 'ok with PKCE',
    lanes: ['owner', 'client', 'as', 'rs'],
    intro:
      'A classic server-side web app (client <code>web</code>) with a client secret. The client is the playground’s own server: it builds the request, receives the code and exchanges it with its secret. This tour sends no PKCE, to show the grant as RFC 6749 wrote it; RFC 9700 now asks for PKCE here too.',
    steps: [
      {
        title: 'The server builds the authorization request',
        actor: 'client',
        from: 'client',
        to: 'client',
        label: 'state + nonce (no PKCE)',
        note: '<code>state</code> protects the callback against CSRF. Without PKCE, the code is protected only by the client secret: anyone who steals the code <em>and</em> the secret (or injects a code into the real client) gets tokens. That is why RFC 9700 §2.1.1 recommends PKCE for confidential clients too.',
        run: async (t) => {
          const result = await postJson('/pg/web/start')
          t.data.url = result.authorizationUrl
          t.data.txId = result.txId
          return {
            html: `<p class="url"><code>${esc(result.authorizationUrl)}</code></p>${paramsTable(result.authorizationUrl, ['state', 'nonce'])}<p class="callout">No <code>code_challenge</code> in this request.</p>`,
          }
        },
      },
      loginStep('url'),
      callbackStep(
        'The server redirects back with a code',
        '302 → /callback?code=…&state=…',
        (t) => ({
          html: `<p class="url"><code>${esc(t.data.callbackUrl)}</code></p>${paramsTable(t.data.callbackUrl, ['code'])}<p>The browser hands the code to the client’s server, which checks <code>state</code> against its own record.</p>`,
        }),
      ),
      {
        title: 'Exchange the code with the client secret',
        actor: 'client',
        from: 'client',
        to: 'as',
        label: 'POST /token code + Basic client_id:secret',
        note: 'The back channel (server to server) authenticates the client: a code stolen from the browser cannot be redeemed without the secret. The tokens stay on the server; the browser gets a session cookie (they are shown here only to teach).',
        run: async (t) => {
          const result = await postJson('/pg/web/exchange', {
            txId: t.data.txId,
            callbackUrl: t.data.callbackUrl,
          })
          if (result.error) throw new Error(result.error.message)
          t.data.tokens = result.tokens
          return {
            exchanges: result.exchanges,
            html: `<p class="muted">Made with ${esc(result.via)}.</p>`,
          }
        },
      },
      inspectStep('web'),
      apiStep(),
    ],
  },

  bff: bffTour({ esc, check, recordingFetch }),

  implicit: {
    title: 'Implicit (id_token token)',
    short: 'Implicit',
    badge: 'deprecated',
    lanes: ['owner', 'client', 'as', 'rs'],
    intro:
      'The implicit grant returns the access token straight from the authorization endpoint, in the URL fragment. <strong>Plain <code>response_type=token</code> no longer exists in oidc-provider 9</strong> (it throws “unsupported response type: token”), so this tour uses <code>id_token token</code> with an <code>application_type: native</code> client (<code>implicit</code>): web clients may not use implicit over http.',
    steps: [
      {
        title: 'Build the implicit request',
        actor: 'client',
        from: 'client',
        to: 'client',
        label: 'response_type=id_token token, nonce',
        note: 'A <code>nonce</code> is required: it binds the ID token to this request. There is no PKCE and no code: nothing stops a token that leaks from being used.',
        run: async (t) => {
          const url = new URL(cfg.metadata.authorization_endpoint)
          const state = crypto.randomUUID()
          const nonce = crypto.randomUUID()
          for (const [k, v] of Object.entries({
            client_id: 'implicit',
            response_type: 'id_token token',
            redirect_uri: cfg.redirectUri,
            scope: 'openid profile api:read',
            resource: cfg.resource,
            state,
            nonce,
          }))
            url.searchParams.set(k, v)
          Object.assign(t.data, { url: url.href, state, nonce, historyBefore: history.length })
          return {
            html: `<p class="url"><code>${esc(url.href)}</code></p>${paramsTable(url.href, ['response_type', 'nonce'])}`,
          }
        },
      },
      loginStep(
        'url',
        'A native client always gets the consent page at this server. Sign in, then allow.',
      ),
      callbackStep(
        'Tokens arrive in the URL fragment',
        '302 → /callback#access_token=…&id_token=…',
        (t) => {
          const url = new URL(t.data.callbackUrl)
          const fragment = new URLSearchParams(url.hash.slice(1))
          t.data.tokens = Object.fromEntries(fragment)
          const ok = fragment.get('state') === t.data.state
          const shown = esc(location.href).replace(/(access_token=)([^&]+)/, '$1<mark>$2</mark>')
          return {
            html: `<h4>Where the access token is now</h4>
<div class="leak"><div class="bar"><span class="dots">● ● ●</span><span class="address" data-testid="address-bar">${shown}</span></div>
<ul class="leaks"><li><strong>Address bar</strong>: <code>location.href</code> contains <code>access_token</code>: ${location.href.includes('access_token=') ? '<span class="check bad">yes</span>' : 'no'}</li>
<li><strong>Browser history</strong>: this URL is a history entry (history length ${history.length}); it syncs to other devices and shows in autocomplete.</li>
<li><strong>Every script on the page</strong> (analytics, extensions, an XSS) can read it, and a copied or screenshared link carries it.</li></ul></div>
<div class="compare"><div><h5>Implicit callback</h5><code class="wrap">/callback#access_token=<mark>eyJ…</mark>&amp;id_token=…&amp;expires_in=3600</code><p>A bearer token: whoever has it can call the API until it expires.</p></div>
<div><h5>Code flow callback</h5><code class="wrap">/callback?code=Xy7…&amp;state=…&amp;iss=…</code><p>A single-use code, valid for a minute, useless without the PKCE verifier or client secret.</p></div></div>
${paramsTable(t.data.callbackUrl, ['access_token'])}
<p class="check ${ok ? 'ok' : 'bad'}">${ok ? '✓' : '✗'} state matches</p>`,
          }
        },
      ),
      inspectStep('implicit'),
      apiStep(),
    ],
  },

  'client-credentials': {
    title: 'Client credentials',
    short: 'Client credentials',
    badge: 'machine to machine',
    lanes: ['client', 'as', 'rs'],
    intro:
      'No user at all: a backend service (client <code>service</code>) authenticates with its own secret and gets a token for itself. It runs on the playground server through the oauthkit node SDK.',
    steps: [
      {
        title: 'Request a token with the client’s own credentials',
        actor: 'client',
        from: 'client',
        to: 'as',
        label: 'POST /token grant_type=client_credentials',
        note: 'Only the client’s secret proves who asks; keep it on the server. Ask for the narrowest scope and a <code>resource</code> (RFC 8707), so the token works only for that API.',
        run: async (t) => {
          const result = await postJson('/pg/client-credentials', { scope: 'api:read' })
          if (result.error) throw new Error(result.error.message)
          t.data.tokens = tokenBodyOf(result.exchanges)
          return {
            exchanges: result.exchanges,
            html: `<p class="muted">Made with ${esc(result.via)}.</p>`,
          }
        },
      },
      inspectStep(
        undefined,
        '<p>Note <code>sub</code>: it is the client itself, not a person.</p>',
      ),
      apiStep(),
    ],
  },

  password: {
    title: 'Resource owner password',
    short: 'Password',
    badge: 'deprecated',
    lanes: ['owner', 'client', 'as', 'rs'],
    intro:
      'The client (the <code>legacy</code> app) asks for your username and password in its own form and sends them to the token endpoint. OAuth 2.1 and RFC 9700 §2.4 forbid it: the client sees your password, and no second factor, consent page or phishing protection can happen.',
    steps: [
      {
        title: 'You type your password into the client',
        actor: 'owner',
        from: 'owner',
        to: 'client',
        label: 'username + password, to the app',
        note: 'This is exactly what OAuth exists to avoid: the app now holds your password and could keep it, log it or reuse it.',
        run: async () => ({
          html: `<form class="fake-login" onsubmit="return false"><div class="fake-title">Legacy app: sign in</div><label>Username <input id="pw-username" value="alice"></label><label>Password <input id="pw-password" value="alice-password"></label></form>`,
        }),
      },
      {
        title: 'The client sends your password to the server',
        actor: 'client',
        from: 'client',
        to: 'as',
        label: 'POST /token grant_type=password',
        note: 'The request body carries your password in clear. The client secret is masked here (a browser would never see it), the password is not: the client saw it. <code>resource</code> names the API the token is for (RFC 8707), so the server issues a JWT access token for that API, as in the other tours.',
        run: async (t) => {
          const username = $('#pw-username')?.value ?? 'alice'
          const password = $('#pw-password')?.value ?? 'alice-password'
          t.data.credentials = { username, password }
          const result = await postJson('/pg/password', { username, password })
          if (result.error) throw new Error(result.error.message)
          if (result.status !== 200) throw new Error(result.body?.error ?? 'refused')
          t.data.tokens = result.body
          return {
            exchanges: result.exchanges,
            html: `<p class="callout bad" data-testid="password-seen">The client saw the password: <code>password=${esc(password)}</code></p>`,
          }
        },
      },
      inspectStep('legacy'),
      apiStep(),
      {
        title: 'Same grant without a resource: an opaque token',
        actor: 'client',
        from: 'client',
        to: 'as',
        label: 'POST /token (password), no resource',
        note: 'Without <code>resource</code> the server does not know which API the token is for, so it issues an <strong>opaque</strong> token: a random reference to what it stored, with nothing inside to read or verify. Anyone who sees it learns nothing, and the server can revoke it at once; the price is that every API must ask the server about each token.',
        run: async (t) => {
          const result = await postJson('/pg/password', {
            ...(t.data.credentials ?? { username: 'alice', password: 'alice-password' }),
            withResource: false,
          })
          if (result.error) throw new Error(result.error.message)
          if (result.status !== 200) throw new Error(result.body?.error ?? 'refused')
          t.data.opaque = result.body.access_token
          const jwt = t.data.tokens?.access_token ?? ''
          const opaque = String(t.data.opaque)
          return {
            exchanges: result.exchanges,
            html: `<div class="callout" data-testid="opaque-token" data-jwt="${isJwt(opaque)}"><strong>The access token is opaque:</strong> <code>${esc(opaque)}</code>, ${opaque.length} characters and no dots, nothing to decode. The JWT from step 2 had ${jwt.split('.').length} segments and ${jwt.length} characters, readable claims (<code>aud</code>, <code>scope</code>, <code>exp</code>) and a signature the API checked itself in step 4. This one means something only to the authorization server that stored it.</div>`,
          }
        },
      },
      {
        title: 'The resource server introspects the opaque token',
        actor: 'rs',
        from: 'rs',
        to: 'as',
        label: 'POST /token/introspection token=…',
        note: 'Only the authorization server can tell whether an opaque token is good, so the API asks it (token introspection, RFC 7662), authenticating as a client of its own (<code>service</code>). The answer is live: a revoked or expired token comes back <code>active: false</code> at once, where a JWT stays usable until its <code>exp</code>. The price is a request to the server for every token the API sees (or a cache, which delays revocation).',
        run: async (t) => {
          if (!t.data.opaque) throw new Error('no opaque token: run the previous step first')
          const introspected = await postJson('/pg/introspect', { token: t.data.opaque })
          if (introspected.error) throw new Error(introspected.error.message)
          const info = introspected.introspection
          const exchanges = [...introspected.exchanges]
          const response = await recordingFetch(
            exchanges,
            'Resource request with the opaque access token',
          )('/api/profile', { headers: { authorization: `Bearer ${t.data.opaque}` } })
          const body = await response.json()
          return {
            html: `<p>First, the introspection request the API sends (the same function its handler calls, run here on its own so the exchange can be recorded); then the client’s call to the API, which introspects the token that way before it answers.</p>${check(
              info.active === true,
              info.active
                ? `active: sub <code>${esc(info.sub)}</code>, client <code>${esc(info.client_id)}</code>, scope <code>${esc(info.scope)}</code>`
                : 'not active',
              'introspection-active',
            )}${check(
              response.status === 200,
              `${response.status}: ${esc(body.verified_by ?? body.error)}`,
              'introspection-granted',
            )}${info.active && info.aud === undefined ? '<p>The answer has no <code>aud</code>: without <code>resource</code> the token was not issued for one API, so nothing in it stops another API from accepting it too. The JWT of step 2 named this API as its audience.</p>' : ''}`,
            exchanges,
          }
        },
      },
    ],
  },

  refresh: {
    title: 'Refresh token with rotation',
    short: 'Refresh token',
    badge: 'recommended',
    lanes: ['client', 'as', 'attacker'],
    laneNotes: { attacker: 'holds a stolen token' },
    intro:
      'Refresh tokens let a client get new access tokens without the user. This server rotates them: every use returns a new refresh token and the old one is dead. If the old one is ever used again, someone copied it, so the server revokes the whole grant (RFC 9700 §4.14.2).',
    steps: [
      {
        title: 'Get tokens (password grant, for brevity)',
        actor: 'client',
        from: 'client',
        to: 'as',
        label: 'POST /token → access + refresh token',
        note: 'Any grant that involves a user can return a refresh token; this tour uses the legacy client to skip the login page.',
        run: async (t) => {
          const result = await postJson('/pg/password', {
            username: 'alice',
            password: 'alice-password',
          })
          t.data.tokens = result.body
          t.data.firstRefresh = result.body.refresh_token
          return {
            exchanges: result.exchanges,
            html: `<p>Refresh token #1: <code class="rt">${esc(result.body.refresh_token)}</code></p>`,
          }
        },
      },
      {
        title: 'Refresh: new access token, new refresh token',
        actor: 'client',
        from: 'client',
        to: 'as',
        label: 'POST /token grant_type=refresh_token (#1)',
        note: 'Rotation: refresh token #1 is now spent. A thief who copied it gets nothing, and their attempt is noticed.',
        run: async (t) => {
          const result = await postJson('/pg/refresh', {
            refreshToken: t.data.firstRefresh,
            label: 'Refresh with token #1',
          })
          t.data.tokens = result.body
          t.data.secondRefresh = result.body.refresh_token
          const rotated =
            result.body.refresh_token && result.body.refresh_token !== t.data.firstRefresh
          return {
            exchanges: result.exchanges,
            html: `<p>Refresh token #2: <code class="rt">${esc(result.body.refresh_token)}</code></p><p class="check ${rotated ? 'ok' : 'bad'}" data-testid="rotated">${rotated ? '✓ rotated: #2 differs from #1' : '✗ not rotated'}</p>`,
          }
        },
      },
      {
        title: 'Replay the old refresh token',
        actor: 'attacker',
        from: 'attacker',
        to: 'as',
        label: 'POST /token refresh_token=#1 (spent)',
        note: 'The spent token is refused with <code>invalid_grant</code>.',
        run: async (t) => {
          const result = await postJson('/pg/refresh', {
            refreshToken: t.data.firstRefresh,
            label: 'Replay of token #1',
          })
          return {
            exchanges: result.exchanges,
            html: `<p class="check ${result.status === 400 ? 'ok' : 'bad'}" data-testid="refused">${result.status === 400 ? `✓ refused: ${esc(result.body.error)}` : '✗ accepted!'}</p>`,
          }
        },
      },
      {
        title: 'Reuse detected: the new token is revoked too',
        actor: 'client',
        from: 'client',
        to: 'as',
        label: 'POST /token refresh_token=#2',
        note: 'The server cannot tell the thief from the real client, so it revokes the whole grant: the user signs in again, and the thief’s copy dies too.',
        run: async (t) => {
          const result = await postJson('/pg/refresh', {
            refreshToken: t.data.secondRefresh,
            label: 'Refresh with token #2 after the replay',
          })
          return {
            exchanges: result.exchanges,
            html: `<p class="check ${result.status === 400 ? 'ok' : 'bad'}">${result.status === 400 ? '✓ refused as well: the grant was revoked' : 'still accepted'}</p>`,
          }
        },
      },
    ],
  },

  device: {
    title: 'Device authorization',
    short: 'Device',
    badge: 'for TVs and CLIs',
    lanes: ['owner', 'client', 'as', 'rs'],
    intro:
      'For devices without a browser or keyboard (a TV, a CLI): the device shows a short code, you approve on another device, and the device polls until you do (RFC 8628). The client is the public <code>device</code> client; the polling runs on the playground server.',
    steps: [
      {
        title: 'The device asks for a user code',
        actor: 'client',
        from: 'client',
        to: 'as',
        label: 'POST /device/auth',
        note: 'The <code>device_code</code> stays on the device; only the short <code>user_code</code> is shown to you. Codes expire quickly, which limits guessing.',
        run: async (t) => {
          const result = await postJson('/pg/device/start')
          t.data.device = result.device
          const d = result.device
          return {
            exchanges: result.exchanges,
            html: `<div class="device"><div class="tv"><p class="muted">On the TV</p><p class="user-code" data-testid="user-code">${esc(d.user_code)}</p><p>Go to <a href="${esc(d.verification_uri)}" target="_blank" rel="noopener">${esc(d.verification_uri)}</a></p></div><p>Open <a data-testid="verification-link" href="${esc(d.verification_uri_complete)}" target="_blank" rel="noopener">the verification link</a> in a second tab, sign in and approve. Then press Next: the device starts polling.</p></div>`,
          }
        },
      },
      {
        title: 'The device polls while you approve in a second tab',
        actor: 'client',
        from: 'client',
        to: 'as',
        label: 'POST /token device_code (every interval)',
        note: 'The device waits <code>interval</code> seconds between polls; the server answers <code>authorization_pending</code> until you approve, then tokens. A phishing risk remains: only approve codes shown on a device you hold.',
        run: async (t, live) => {
          const interval = Math.max(1, t.data.device.interval ?? 5) * 1000
          const exchanges = []
          const lines = []
          for (let attempt = 1; attempt < 200; attempt++) {
            const result = await postJson('/pg/device/poll', {
              deviceCode: t.data.device.device_code,
            })
            exchanges.push(...result.exchanges)
            const status = result.status === 200 ? 'tokens!' : result.body?.error
            const line = `<li data-testid="poll">poll ${attempt} at ${new Date().toLocaleTimeString()}: <code>${result.status}</code> <code>${esc(status)}</code></li>`
            lines.push(line)
            live(line)
            if (result.status === 200) {
              t.data.tokens = result.body
              break
            }
            if (
              result.body?.error !== 'authorization_pending' &&
              result.body?.error !== 'slow_down'
            ) {
              throw new Error(`polling stopped: ${result.body?.error}`)
            }
            await new Promise((r) => setTimeout(r, interval))
          }
          return {
            exchanges: exchanges.slice(-2),
            html: `<ul class="polls">${lines.join('')}</ul><p class="check ok">✓ approved after ${lines.length} polls; the last two exchanges:</p>`,
          }
        },
      },
      inspectStep('device'),
      apiStep(),
    ],
  },

  pkce: {
    title: 'PKCE on its own',
    short: 'PKCE',
    badge: 'mechanism',
    kind: 'mechanism',
    lanes: ['owner', 'client', 'as', 'attacker'],
    intro:
      'Proof Key for Code Exchange (RFC 7636): the client proves at the token endpoint that it is the one that started the login. Here the playground server plays the client; you will see a stolen code refused.',
    steps: [
      {
        title: 'Make a code verifier',
        actor: 'client',
        from: 'client',
        to: 'client',
        label: 'code_verifier = 32 random bytes',
        note: 'A fresh high-entropy secret per login, never sent until the token request.',
        run: async (t) => {
          const result = await postJson('/pg/pkce/start')
          Object.assign(t.data, {
            txId: result.txId,
            verifier: result.verifier,
            challenge: result.challenge,
            url: result.authorizationUrl,
          })
          return {
            html: `<p><code>code_verifier</code> (secret, 43 characters of base64url):</p><p class="big-code" data-testid="verifier">${esc(result.verifier)}</p>`,
          }
        },
      },
      {
        title: 'Derive the S256 challenge',
        actor: 'client',
        from: 'client',
        to: 'client',
        label: 'challenge = BASE64URL(SHA-256(verifier))',
        note: 'SHA-256 is one-way: seeing the challenge in the URL does not reveal the verifier. <code>plain</code> (challenge = verifier) would; never use it.',
        run: async (t) => {
          const digest = new Uint8Array(
            await crypto.subtle.digest('SHA-256', new TextEncoder().encode(t.data.verifier)),
          )
          const hex = [...digest].map((b) => b.toString(16).padStart(2, '0')).join(' ')
          const mine = jose.base64url.encode(digest)
          const ok = mine === t.data.challenge
          return {
            html: `<p>SHA-256 of the verifier, computed in this page with <code>crypto.subtle</code>:</p><p class="hex">${hex}</p><p>base64url → <code class="big-code" data-testid="challenge">${esc(mine)}</code></p><p class="check ${ok ? 'ok' : 'bad'}">${ok ? '✓' : '✗'} equals the server-side client’s <code>code_challenge</code></p>${paramsTable(t.data.url, ['code_challenge', 'code_challenge_method'])}`,
          }
        },
      },
      loginStep('url'),
      callbackStep('A code arrives — and an attacker copies it', '302 → /callback?code=…', (t) => {
        t.data.code = new URL(t.data.callbackUrl).searchParams.get('code')
        return {
          html: `${paramsTable(t.data.callbackUrl, ['code'])}<p class="callout">Suppose a malicious app registered the same custom scheme, or the code leaked through a log or a Referer header: the attacker now has <code>${esc(t.data.code.slice(0, 10))}…</code>.</p>`,
        }
      }),
      {
        title: 'The attacker redeems the stolen code without the verifier',
        actor: 'attacker',
        from: 'attacker',
        to: 'as',
        label: 'POST /token code (no code_verifier)',
        note: 'Refused: the code was bound to the challenge, and only the verifier matches it.',
        run: async (t) => {
          const result = await postJson('/pg/pkce/redeem', {
            txId: t.data.txId,
            code: t.data.code,
            withVerifier: false,
            label: 'Attacker: stolen code, no verifier',
          })
          return {
            exchanges: result.exchanges,
            html: `<p class="check ${result.status === 400 ? 'ok' : 'bad'}" data-testid="refused">${result.status === 400 ? `✓ refused: ${esc(result.body.error)}` : '✗ accepted!'}</p>`,
          }
        },
      },
      {
        title: 'The real client redeems it with the verifier',
        actor: 'client',
        from: 'client',
        to: 'as',
        label: 'POST /token code + code_verifier',
        note: 'SHA-256(verifier) equals the stored challenge: tokens are issued.',
        run: async (t) => {
          const result = await postJson('/pg/pkce/redeem', {
            txId: t.data.txId,
            code: t.data.code,
            withVerifier: true,
            label: 'Client: code + verifier',
          })
          if (result.status !== 200) throw new Error(`refused: ${result.body?.error}`)
          t.data.tokens = result.body
          return {
            exchanges: result.exchanges,
            jwts: jwtsOf(result.body, 'spa'),
            html: '<p class="check ok">✓ tokens issued to the holder of the verifier</p>',
          }
        },
      },
    ],
  },
  jwe: mechanismTours.jwe,
  signing: mechanismTours.signing,
}

// ---------------------------------------------------------------------------------------------
// Rendering

function renderExchange(x) {
  const req = x.request
  // Bearer tokens are shortened for reading; the full token is in the JWT panels.
  const shorten = (v) =>
    String(v).replace(
      /^(Bearer )(\S{16})(\S+)(\S{6})$/i,
      (_, b, head, mid, tail) => `${b}${head}…(${mid.length} more)…${tail}`,
    )
  const headers = (h) =>
    Object.entries(h ?? {})
      .map(([k, v]) => `<span class="hk">${esc(k)}</span>: ${esc(shorten(v))}`)
      .join('\n')
  const url = new URL(req.url)
  const status = x.response?.status
  return `<section class="exchange" data-testid="exchange" data-status="${status ?? ''}">
<h4>${esc(x.label)}</h4>
<div class="http"><div class="req"><div class="tag">request</div><pre><span class="method">${esc(req.method)}</span> ${esc(url.pathname + url.search)} HTTP/1.1
<span class="hk">host</span>: ${esc(url.host)}
${headers(req.headers)}${req.body ? `\n\n${esc(req.body).replace(/(password=[^&\s]*)/g, '<mark>$1</mark>')}` : ''}</pre></div>
<div class="res"><div class="tag">response</div>${
    x.response
      ? `<pre><span class="status s${String(status)[0]}" data-testid="status">${status}</span>\n${headers(x.response.headers)}\n\n${esc(pretty(x.response.body))}</pre>`
      : `<pre>${esc(x.error ?? 'no response')}</pre>`
  }</div></div>
${x.masked?.length ? `<p class="masked"><strong>Masked:</strong> ${x.masked.map(esc).join('; ')}</p>` : ''}
</section>`
}

function explainClaim(name, value) {
  if (name === 'exp') {
    return `${new Date(value * 1000).toLocaleString()} · <span data-exp="${value}"></span>`
  }
  if (name === 'iat' || name === 'auth_time' || name === 'nbf' || name === 'updated_at') {
    return `${esc(CLAIM_NOTES[name] ?? '')} (${new Date(value * 1000).toLocaleString()})`
  }
  if (name === 'scope') {
    return String(value)
      .split(' ')
      .map((s) => `<code>${esc(s)}</code>: ${esc(SCOPE_NOTES[s] ?? 'custom scope')}`)
      .join('<br>')
  }
  if (name === 'aud') {
    const aud = [value].flat().join(', ')
    return aud.startsWith('http')
      ? `the API this token is for (${esc(aud)}); other APIs must refuse it`
      : `the client this ID token is for (${esc(aud)}); other apps must refuse it`
  }
  return esc(CLAIM_NOTES[name] ?? '')
}

let jwtCounter = 0
function renderJwt(j) {
  const [h, p, s] = j.token.split('.')
  const decoded = decodeJwt(j.token)
  const id = `jwt-${++jwtCounter}`
  const rows = Object.entries(decoded.payload)
    .map(
      ([k, v]) =>
        `<tr><td><code>${esc(k)}</code></td><td><code class="wrap">${esc(typeof v === 'string' ? v : JSON.stringify(v))}</code></td><td>${explainClaim(k, v)}</td></tr>`,
    )
    .join('')
  return `<section class="jwt" id="${id}" data-testid="jwt" data-kind="${j.kind}" data-audience="${esc(j.audience ?? '')}">
<h4>${esc(j.label)} <span class="legend"><span class="c-h">header</span> · <span class="c-p">payload</span> · <span class="c-s">signature</span></span></h4>
<textarea class="encoded" spellcheck="false" data-testid="jwt-encoded" aria-label="${esc(j.label)}, encoded (editable)">${esc(j.token)}</textarea>
<div class="colored" aria-hidden="true"><span class="c-h">${h}</span>.<span class="c-p">${p}</span>.<span class="c-s">${s}</span></div>
<div class="verify" data-testid="jwt-verify">verifying…</div>
<div class="jwt-parts"><div><h5 class="c-h">Header</h5><pre class="json-h">${esc(JSON.stringify(decoded.header, null, 2))}</pre></div>
<div><h5 class="c-p">Payload</h5><pre class="json-p">${esc(JSON.stringify(decoded.payload, null, 2))}</pre></div></div>
<table class="claims"><thead><tr><th>claim</th><th>value</th><th>meaning</th></tr></thead><tbody>${rows}</tbody></table>
<p class="muted">Signature: ${esc(decoded.header.alg)} over <code>base64url(header).base64url(payload)</code>, checked with the key <code>${esc(decoded.header.kid ?? '')}</code> from <code>${esc(cfg.jwksUri)}</code> (<a href="#/signing">how</a>). Edit any character above to see verification fail.</p>
<p class="muted readable" data-testid="jwt-readable">${j.readable ? esc(j.readable) : 'Signed, not encrypted: anyone who holds this token can read its payload, as this page just did without any key'} (<a href="#/jwe">encrypted tokens</a>).</p>
</section>`
}

let jwks
async function verifyInto(section) {
  const token = $('textarea', section).value.trim()
  const out = $('.verify', section)
  const [h = '', p = '', s = ''] = token.split('.')
  $('.colored', section).innerHTML =
    `<span class="c-h">${esc(h)}</span>.<span class="c-p">${esc(p)}</span>.<span class="c-s">${esc(s)}</span>`
  try {
    const decoded = decodeJwt(token)
    $('.json-p', section).textContent = JSON.stringify(decoded.payload, null, 2)
  } catch {
    $('.json-p', section).textContent = '(the payload no longer decodes)'
  }
  jwks ??= jose.createRemoteJWKSet(new URL(cfg.jwksUri))
  const kind = section.dataset.kind
  const options = { issuer: cfg.issuer, clockTolerance: 0 }
  if (kind === 'at') Object.assign(options, { audience: cfg.resource, typ: 'at+jwt' })
  else if (section.dataset.audience) options.audience = section.dataset.audience
  try {
    const { protectedHeader } = await jose.jwtVerify(token, jwks, options)
    out.className = 'verify ok'
    out.dataset.result = 'valid'
    out.innerHTML = `✓ Signature valid (${esc(protectedHeader.alg)}, key <code>${esc(protectedHeader.kid)}</code> from the JWKS) · <code>iss</code> ✓ · <code>aud</code> ✓ · <code>exp</code> ✓${kind === 'at' ? ' · <code>typ: at+jwt</code> ✓' : ''}`
  } catch (error) {
    out.className = 'verify bad'
    out.dataset.result = 'invalid'
    const reason =
      error?.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'
        ? 'signature verification failed: the token was changed after it was signed'
        : error?.code === 'ERR_JWT_EXPIRED'
          ? '"exp" is in the past: the token expired'
          : `${error?.code ?? 'error'}: ${error?.message}`
    out.innerHTML = `✗ Invalid: ${esc(reason)}`
  }
}

function hydrateJwts(root) {
  for (const section of root.querySelectorAll('section.jwt:not([data-hydrated])')) {
    section.dataset.hydrated = '1'
    $('textarea', section).addEventListener('input', () => verifyInto(section))
    verifyInto(section)
  }
}

setInterval(() => {
  for (const el of document.querySelectorAll('[data-exp]')) {
    const left = Math.round(Number(el.dataset.exp) - Date.now() / 1000)
    const abs = Math.abs(left)
    const text = `${Math.floor(abs / 3600) ? `${Math.floor(abs / 3600)}h ` : ''}${Math.floor((abs % 3600) / 60)}m ${abs % 60}s`
    el.textContent = left > 0 ? `expires in ${text}` : `expired ${text} ago`
    el.className = left > 0 ? 'countdown' : 'countdown bad'
  }
}, 1000)

function renderDiagram(tour, current) {
  const lanes = tour.lanes
  const width = 760
  const laneX = (role) => 80 + (lanes.indexOf(role) * (width - 160)) / Math.max(1, lanes.length - 1)
  const rowH = 40
  const top = 62
  const height = top + tour.steps.length * rowH + 12
  let svg = `<svg class="diagram" viewBox="0 0 ${width} ${height}" role="img" aria-label="Sequence diagram"><defs><marker id="arr" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="context-stroke"/></marker></defs>`
  for (const role of lanes) {
    const x = laneX(role)
    svg += `<line class="life" x1="${x}" y1="44" x2="${x}" y2="${height - 4}"/><rect class="lane lane-${role}" x="${x - 74}" y="4" width="148" height="38" rx="8"/><text class="lane-t" x="${x}" y="21">${ROLES[role].name}</text><text class="lane-s" x="${x}" y="35">${tour.laneNotes?.[role] ?? ROLES[role].sub}</text>`
  }
  tour.steps.forEach((step, i) => {
    const y = top + i * rowH + 16
    const cls = i === current ? 'cur' : i < (state?.done ?? -1) + 1 ? 'done' : 'todo'
    const x1 = laneX(step.from)
    const x2 = laneX(step.to)
    if (x1 === x2) {
      // A self-step's label runs away from the nearer edge, so it stays inside the diagram.
      const left = x1 > width / 2
      svg += `<g class="step ${cls}"><rect class="self" x="${x1 - 8}" y="${y - 12}" width="16" height="24" rx="4"/><text class="lbl ${left ? 'lbl-self-left' : 'lbl-self'}" x="${left ? x1 - 14 : x1 + 14}" y="${y + 4}">${i + 1}. ${esc(step.label)}</text></g>`
    } else {
      const mid = (x1 + x2) / 2
      svg += `<g class="step ${cls}"><line x1="${x1}" y1="${y + 6}" x2="${x2}" y2="${y + 6}" marker-end="url(#arr)"/><text class="lbl" x="${mid}" y="${y}">${i + 1}. ${esc(step.label)}</text></g>`
    }
  })
  return `${svg}</svg>`
}

function renderNav() {
  const link = ([id, t]) =>
    `<a href="#/${id}" data-tour="${id}" class="${state?.tour === id ? 'active' : ''}">${esc(t.short)}</a>`
  const tours = Object.entries(TOURS)
  $('#grants').innerHTML = `${tours
    .filter(([, t]) => t.kind !== 'mechanism')
    .map(link)
    .join(
      '',
    )}<a href="#/compare" data-testid="compare-link">Compare</a><span class="nav-sep" aria-hidden="true"></span>${tours
    .filter(([, t]) => t.kind === 'mechanism')
    .map(link)
    .join('')}`
}

/** The four roles of OAuth 2.0 (RFC 6749 §1.1), as the seed notes define them, and who plays them here. */
function rolesPanel() {
  const apiOrigin = cfg.origin
  const tiles = [
    [
      'owner',
      'The user who owns the data or resource.',
      `You, signing in as ${cfg.users.map((u) => `<code>${esc(u.username)}</code>`).join(', ')}.`,
    ],
    [
      'client',
      'The application asking for access to the user’s resource on the user’s behalf (a web or mobile app).',
      'This page (<code>spa</code>), the playground’s server (<code>web</code>, <code>service</code>, <code>legacy</code>), a pretend TV (<code>device</code>).',
    ],
    [
      'as',
      'The server that authenticates the user and issues access tokens.',
      `The dev server at <code>${esc(cfg.issuer)}</code> (oidc-provider).`,
    ],
    [
      'rs',
      'The server hosting the protected resources (an API); it checks each token.',
      `<code>/api/profile</code> and <code>/api/admin</code> at <code>${esc(apiOrigin)}</code>.`,
    ],
  ]
  return `<section class="panel roles-panel" data-testid="roles"><h2>Who is involved</h2>
<div class="role-tiles">${tiles
    .map(
      ([role, what, here]) =>
        `<div class="role-tile t-${role}" data-testid="role-${role}"><span class="role role-${role}">${ROLES[role].name}</span><p>${what}</p><p class="here"><strong>Here:</strong> ${here}</p></div>`,
    )
    .join('')}</div>
<p class="same-server" data-testid="same-server">The authorization server <strong>may be the same server as the resource server</strong>: one product often does both. Here they are two servers on two ports, so you can watch tokens travel from one to the other; the checks are the same either way. Every step of every tour names the role that acts, in these colours.</p></section>`
}

/** The seed notes' security mechanisms, each linked to where a tour demonstrates it. */
const MECHANISMS = [
  {
    id: 'expiration',
    name: 'Access token expiration',
    seed: 'Tokens have a limited lifespan to minimize the risk of misuse.',
    shown:
      'Every decoded token shows <code>exp</code> with a live countdown. On “Call the protected resource” in each grant, “An expired token” sends one the server minted already expired: <code>401 invalid_token</code>.',
    links: [['client-credentials', 'Client credentials, last step']],
  },
  {
    id: 'scopes',
    name: 'Scopes',
    seed: 'Tokens include scopes that define the level of access; the client only accesses what’s necessary.',
    shown:
      'The <code>scope</code> claim is explained on every token. <code>/api/profile</code> needs <code>api:read</code>; the same token at <code>/api/admin</code> (<code>api:write</code>) gets <code>403 insufficient_scope</code>.',
    links: [['spa', 'Code + PKCE, last step']],
  },
  {
    id: 'encryption',
    name: 'Token encryption',
    seed: 'In some cases, access tokens are encrypted to prevent unauthorized inspection.',
    shown:
      'A JWE next to a JWS: five segments instead of three, gibberish without the key, decrypted by the resource server.',
    links: [['jwe', 'Encrypted tokens']],
  },
  {
    id: 'code-exchange',
    name: 'Authorization code exchange',
    seed: 'The token is not returned directly to the client; a code is exchanged using client credentials.',
    shown:
      'Only a single-use code crosses the browser; the client trades it over the back channel, with its secret or a PKCE verifier. Compare with implicit, where the token lands in the address bar.',
    links: [
      ['web', 'Code + secret'],
      ['implicit', 'Implicit, for contrast'],
    ],
  },
  {
    id: 'pkce',
    name: 'PKCE',
    seed: 'Protects public clients (like mobile apps) against code interception.',
    shown:
      'The verifier, its S256 challenge recomputed in the page, and a stolen code refused without the verifier.',
    links: [['pkce', 'PKCE']],
  },
  {
    id: 'signatures',
    name: 'Signed JWTs',
    seed: 'The signature protects the token from being tampered with (HS256, RS256).',
    shown:
      'Header, payload, signature; the hash recalculated; who can verify and who can forge; algorithm confusion refused. Edit one character of any decoded token and verification fails.',
    links: [['signing', 'Signing']],
  },
]

function mechanismsPanel() {
  return `<section class="panel mechs" data-testid="mechanisms"><h2>Security mechanisms, and where to see them</h2>
<ul class="mech-list">${MECHANISMS.map(
    (m) =>
      `<li data-testid="mech-${m.id}"><div class="mech-name">${esc(m.name)}</div><div><p class="seed">${esc(m.seed)}</p><p>${m.shown}</p></div><div class="mech-links">${m.links
        .map(
          ([id, text]) =>
            `<a href="#/${id}" data-testid="mech-link-${m.id}-${id}">${esc(text)} →</a>`,
        )
        .join('')}</div></li>`,
  ).join('')}</ul></section>`
}

const tourCard = ([id, t]) =>
  `<a class="card" href="#/${id}" data-testid="start-${id}"><span class="badge b-${esc(t.badge.replace(/\W+/g, '-'))}">${esc(t.badge)}</span><h3>${esc(t.title)}</h3><p>${t.intro}</p></a>`

function renderHome() {
  renderNav()
  const tours = Object.entries(TOURS)
  $('#main').innerHTML =
    `<section class="hero"><h1>Step through every OAuth 2.0 grant</h1><p data-testid="what-is-oauth">OAuth 2.0 gives an application <strong>delegated access</strong> to your resources <strong>without your username and password</strong>: you sign in at the authorization server, and the application gets a token limited in scope and lifetime.</p><p>A real authorization server (<code>${esc(cfg.issuer)}</code>) runs next to this page. Pick a grant, press <strong>Next</strong>, and watch each request, each token and each check. Test users: ${cfg.users.map((u) => `<code>${esc(u.username)}</code> / <code>${esc(u.password)}</code>`).join(', ')}.</p></section>
${rolesPanel()}
<h2 class="section-title">Grants</h2>
<div class="cards" data-testid="grant-cards">${tours
      .filter(([, t]) => t.kind !== 'mechanism')
      .map(tourCard)
      .join('')}</div>
${mechanismsPanel()}
<h2 class="section-title">Mechanisms, step by step</h2>
<div class="cards three" data-testid="mechanism-cards">${tours
      .filter(([, t]) => t.kind === 'mechanism')
      .map(tourCard)
      .join('')}</div>
<h2 class="section-title">In an app</h2>
<div class="cards three"><a class="card" href="/react/" data-testid="react-example"><h3>React example</h3><p>A public page, a protected page that calls the API, logout: <code>@oauthkit/react</code> over <code>@oauthkit/browser</code>, against this authorization server.</p></a></div>`
}

function renderCompare() {
  renderNav()
  $('#main').innerHTML =
    `<section class="compare-view"><h1>The grants compared</h1>${COMPARISON_HTML}</section>`
}

function startTour(id) {
  state = { tour: id, done: -1, outputs: [], data: {} }
  viewIndex = -1
  save()
  renderTour()
}

function renderTour() {
  const tour = TOURS[state.tour]
  renderNav()
  const shown = viewIndex
  const step = tour.steps[shown]
  const out = state.outputs[shown]
  const next = tour.steps[state.done + 1]
  const finished = state.done === tour.steps.length - 1
  $('#main').innerHTML = `<div class="tour">
<aside class="stepper"><h2>${esc(tour.title)}</h2><span class="badge b-${esc(tour.badge.replace(/\W+/g, '-'))}">${esc(tour.badge)}</span>
<ol>${tour.steps
    .map(
      (s, i) =>
        `<li class="${i === shown ? 'cur' : ''} ${i <= state.done ? 'done' : ''}"><button data-view="${i}" ${i <= state.done ? '' : 'disabled'}><span class="role role-${s.actor}">${ROLES[s.actor].name}</span>${esc(s.title)}</button></li>`,
    )
    .join('')}</ol>
<button class="ghost" data-restart>Restart this grant</button></aside>
<article class="stage" data-done="${state.done}" data-busy="${busy}">
${
  step
    ? `<header class="step-head"><span class="count">Step ${shown + 1} of ${tour.steps.length}</span><span class="role role-${step.actor}" data-testid="actor">${ROLES[step.actor].name} acts</span><h2 data-testid="step-title">${esc(step.title)}</h2></header>`
    : `<header class="step-head"><span class="count">${tour.steps.length} steps</span><h2>${esc(tour.title)}</h2></header><p class="intro">${tour.intro}</p>`
}
${renderDiagram(tour, shown >= 0 ? shown : state.done + 1)}
${step ? `<p class="protects"><strong>What this protects against.</strong> ${step.note}</p>` : ''}
<div class="output" data-testid="output" data-step="${shown}">${out ? renderOutput(out) : ''}<ul class="live"></ul></div>
<footer class="actions">${
    finished
      ? `<p class="done-msg" data-testid="tour-done">Tour complete. <a href="#/compare">Compare the grants →</a></p>`
      : `<button class="primary" data-testid="next" ${busy ? 'disabled' : ''}>${state.done < 0 ? 'Start' : 'Next'}: ${esc(next.title)} →</button>`
  }</footer></article></div>`
  hydrateJwts($('#main'))
}

function renderOutput(out) {
  let html = ''
  if (out.error) html += `<p class="check bad" data-testid="step-error">✗ ${esc(out.error)}</p>`
  if (out.html) html += out.html
  if (out.exchanges?.length) html += out.exchanges.map(renderExchange).join('')
  if (out.jwts?.length) html += out.jwts.map(renderJwt).join('')
  if (out.api) {
    html += `<div class="api-actions"><p>Now try what the resource server refuses:</p><button data-api="scope" data-testid="api-wrong-scope">Same token on <code>/api/admin</code> (needs <code>api:write</code>)</button><button data-api="expired" data-testid="api-expired">An expired token</button></div><div id="api-extra"></div>`
  }
  return html
}

async function runNext() {
  if (busy) return
  const tour = TOURS[state.tour]
  const index = state.done + 1
  const step = tour.steps[index]
  if (!step) return
  busy = true
  viewIndex = index
  renderTour()
  const live = (html) => $('.output .live')?.insertAdjacentHTML('beforeend', html)
  let out
  try {
    out = await step.run(state, live)
  } catch (error) {
    out = { error: String(error?.message ?? error) }
  }
  busy = false
  if (out.navigate) {
    state.pendingCallback = index + 1
    save()
    location.assign(out.navigate)
    return
  }
  state.outputs[index] = out
  state.done = index
  save()
  renderTour()
}

async function resumeAfterRedirect() {
  const saved = JSON.parse(sessionStorage.getItem(STORE) ?? 'null')
  if (!saved || saved.pendingCallback === undefined) return false
  state = saved
  const index = state.pendingCallback
  delete state.pendingCallback
  state.data.callbackUrl = location.href
  state.done = index - 1
  const step = TOURS[state.tour].steps[index]
  let out
  try {
    out = await step.run(state)
  } catch (error) {
    out = { error: String(error?.message ?? error) }
  }
  state.outputs[index] = out
  state.done = index
  viewIndex = index
  save()
  // The hash keeps the tour selected on reload; the implicit tour keeps its fragment (the leak).
  if (!location.hash.includes('access_token')) history.replaceState(null, '', `/#/${state.tour}`)
  renderTour()
  return true
}

function route() {
  const id = location.hash.replace(/^#\/?/, '')
  if (id === 'compare') return renderCompare()
  if (TOURS[id]) {
    if (state?.tour === id) return renderTour()
    return startTour(id)
  }
  if (state && location.pathname === '/callback') return renderTour()
  renderHome()
}

document.addEventListener('click', (event) => {
  const target = event.target.closest('button')
  if (!target) return
  if (target.dataset.testid === 'next') runNext()
  else if (target.dataset.view !== undefined) {
    viewIndex = Number(target.dataset.view)
    renderTour()
  } else if (target.dataset.restart !== undefined) startTour(state.tour)
  else if (target.dataset.api) {
    target.disabled = true
    callApi(target.dataset.api).finally(() => {
      target.disabled = false
    })
  }
})
window.addEventListener('hashchange', () => {
  if (!location.hash.includes('access_token')) route()
})

async function main() {
  cfg = await (await fetch('/pg/config')).json()
  if (location.pathname === '/callback' && (await resumeAfterRedirect())) return
  const saved = JSON.parse(sessionStorage.getItem(STORE) ?? 'null')
  if (saved && location.hash === `#/${saved.tour}`) {
    state = saved
    viewIndex = state.done
  }
  route()
}

main()
