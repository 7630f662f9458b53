// Bundle size of a single-page app that logs in with a redirect, handles the callback and gets an
// access token (refreshing it when needed), built several ways in the same run:
// - @oauthkit/browser as users get it: the built packages, packed with `npm pack` and installed
//   into a folder outside the workspace (bench/lib/installed-packages.mjs), bundled from there;
//   the budget applies to this row. Run `npm run build` first (npm run bench does);
// - the same app from TypeScript source (the `@oauthkit/source` condition the tests use), as a
//   second row: the two are equal when the build output tree-shakes as well as the source, less
//   the Node-only network-reason table that core's package.json `browser` field swaps out of dist
//   (about 960 B minified; the field can only name published files);
// - oidc-client-ts and @auth0/auth0-spa-js, the SPA SDKs people compare us with,
// - the floor: the same calls written by hand with oauth4webapi and idb-keyval, which is what
//   @oauthkit/browser is built on (no session logic, no cross-tab refresh, no errors of our own).
// Each app is bundled by esbuild (minified ESM for browsers, es2022, tree-shaken, every dependency
// included) and compressed with gzip -9 and brotli 11.
// Budget under --check: the oauthkit app bundled FROM DIST (the installed tarballs) is at most
// BUDGET (19,250) bytes gzip, and no bigger than the same app from source (the build may not
// defeat tree-shaking: until the build emitted one file per module, dist was 16,321 B against
// 15,245 B from source). The number is unchanged from the source-based budget because the two
// rows are now equal (15,240 B from dist); the issue's 12,000 B target is not met yet: see the
// per-module breakdown this script prints (the browser client, one object whose methods all stay
// in the bundle, is the largest part of our own code).
//
// Why 19,250 and not 15,250 (the budget before the session engine): the app measured 18,814 B
// gzip after three changes that each added what they were asked to add, none of it optional on
// this path: the session engine (4.2 KB minified: the store/lock routine, single-flight, the
// pending-ID-Token re-check, revocation of discarded refresh tokens, the store-failure fallback),
// the ID Token checks oauth4webapi leaves to its caller and the RFC 6749 Appendix A syntax checks
// of every token-response member (2.1 KB + 0.4 KB), and error messages that name the origin, the
// network reason and the server's sanitised error_description (1.2 KB). A size pass on the
// engine's server-only options and on check tables saved under 50 B gzip (bytes in different
// code compress separately; removing guarantees is what would shrink it, and that is not done).
// The last fixes of the round (the refreshed ID Token's aud compared as a set, device-code expiry
// at the server's clock, at-rest and DPoP plumbing) took it to 19,051 B in the fresh-clone CI run.
// The budget is that measurement rounded up to the next 250 B, so any further growth fails; the
// work to bring it down (an engine split so the browser drops server-only paths, opt-in logout
// and PAR entries) is open in the performance issue.
//
// Why not 9,000: that was the product brief's target, set before ID Token signature verification
// became a security requirement. oauth4webapi validates an ID Token's claims but not its
// signature; verifying it (validateApplicationLevelSignature, with the JWKS request, key selection
// and key import behind it) is what stops whoever answers the token request from naming any user.
// The hand-written floor plus that one call, the "floor + ID Token signature check" row below,
// measured 9,007 B gzip in the same run as the figure below: over 9,000 before any session
// feature. On top of that the SDK carries what neither floor has: PAR when the server requires it,
// revocation at logout and the DPoP nonce retry (about 260 B of oauth4webapi), exact-issuer
// discovery with endpoint-scheme checks and a cache, response-size caps and timeouts, RFC 9207 /
// state / front-channel-token callback checks, an error family with sanitised causes, and the
// session layer (cross-tab refresh under a Web Lock, BroadcastChannel, a pending-login store, an
// allowed-origins fetch). A size pass took the app from 15,171 to 14,883 B gzip with no feature,
// check or error code removed; the budget was that rounded up to the next 250 B. It moved to
// 15,250 B deliberately for two later additions worth their 92 B: the size cap trusts an
// identity-encoded body's Content-Length instead of re-buffering it (token request overhead
// 1.34x -> 1.10x oauth4webapi in bench/token-request.mjs), and a body whose read is interrupted
// is classified as a transport failure (ERR_NETWORK / ERR_TIMEOUT, retryable) instead of a parse
// error.

import { measureBundle } from './lib/bundle-size.mjs'
import { builtPackages } from './lib/installed-packages.mjs'

const installed = builtPackages()
const check = process.argv.includes('--check')
const BUDGET = 19_250

const ISSUER = `'https://as.example.com'`
// The hand-written floor; `signatureCheck` is inserted after the code exchange.
const floorApp = (signatureCheck) => `
    import * as oauth from 'oauth4webapi'
    import { createStore, del, get, set } from 'idb-keyval'
    const store = createStore('app', 'kv')
    const issuer = new URL(${ISSUER})
    const client = { client_id: 'spa' }
    const redirectUri = location.origin + '/callback'
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer))
    if (location.pathname === '/callback') {
      const tx = await get('tx', store)
      await del('tx', store)
      const params = oauth.validateAuthResponse(as, client, new URL(location.href), tx.state)
      const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, tx.verifier)
      await set('tokens', await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: tx.nonce, requireIdToken: true }), store)
${signatureCheck}    }
    document.querySelector('#login').onclick = async () => {
      const tx = { verifier: oauth.generateRandomCodeVerifier(), state: oauth.generateRandomState(), nonce: oauth.generateRandomNonce() }
      await set('tx', tx, store)
      const url = new URL(as.authorization_endpoint)
      url.search = new URLSearchParams({ client_id: 'spa', response_type: 'code', redirect_uri: redirectUri, scope: 'openid offline_access',
        state: tx.state, nonce: tx.nonce, code_challenge: await oauth.calculatePKCECodeChallenge(tx.verifier), code_challenge_method: 'S256' })
      location.assign(url)
    }
    document.querySelector('#call').onclick = async () => {
      let tokens = await get('tokens', store)
      if (tokens.expires_at < Date.now() / 1000) {
        const response = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token)
        tokens = await oauth.processRefreshTokenResponse(as, client, response)
        await set('tokens', tokens, store)
      }
      return fetch('/api', { headers: { authorization: 'Bearer ' + tokens.access_token } })
    }
  `

const oauthkitApps = {
  '@oauthkit/browser': `
    import { createBrowserClient } from '@oauthkit/browser'
    const auth = createBrowserClient({
      issuer: ${ISSUER}, clientId: 'spa', scope: 'openid offline_access',
      redirectUri: location.origin + '/callback',
    })
    if (location.pathname === '/callback') await auth.handleRedirect()
    document.querySelector('#login').onclick = () => auth.login()
    document.querySelector('#call').onclick = async () =>
      fetch('/api', { headers: { authorization: 'Bearer ' + (await auth.getAccessToken()) } })
  `,
  // The protocol calls alone, through @oauthkit/core: what the session layer adds is the difference.
  '@oauthkit/core calls only': `
    import * as core from '@oauthkit/core'
    import { createStore, get, set } from 'idb-keyval'
    const store = createStore('app', 'kv')
    const redirectUri = location.origin + '/callback'
    const context = core.createClientContext({ metadata: await core.discover(${ISSUER}), clientId: 'spa' })
    if (location.pathname === '/callback') {
      await set('tokens', await core.authorizationCodeGrant(context, location.href, await get('tx', store)), store)
    }
    document.querySelector('#login').onclick = async () => {
      const { url, transaction } = await core.buildAuthorizationUrl(context, { redirectUri, scope: 'openid offline_access' })
      await set('tx', transaction, store)
      location.assign(url)
    }
    document.querySelector('#call').onclick = async () => {
      let { tokenSet } = await get('tokens', store)
      if (core.isExpired(tokenSet)) ({ tokenSet } = await core.refreshTokenGrant(context, tokenSet.refreshToken))
      return fetch('/api', { headers: { authorization: 'Bearer ' + tokenSet.accessToken } })
    }
  `,
}
// [row name, app, where it is bundled from]: the oauthkit apps from the installed tarballs and
// from source, every other app from the workspace's node_modules.
const apps = [
  ...Object.entries(oauthkitApps).map(([name, app]) => [`${name} (dist)`, app, 'dist']),
  ...Object.entries(oauthkitApps).map(([name, app]) => [`${name} (source)`, app, 'source']),
  ...Object.entries({
    'oidc-client-ts': `
    import { UserManager } from 'oidc-client-ts'
    const users = new UserManager({
      authority: ${ISSUER}, client_id: 'spa', scope: 'openid offline_access',
      redirect_uri: location.origin + '/callback',
    })
    if (location.pathname === '/callback') await users.signinRedirectCallback()
    document.querySelector('#login').onclick = () => users.signinRedirect()
    document.querySelector('#call').onclick = async () => {
      let user = await users.getUser()
      if (!user || user.expired) user = await users.signinSilent()
      return fetch('/api', { headers: { authorization: 'Bearer ' + user.access_token } })
    }
  `,
    '@auth0/auth0-spa-js': `
    import { createAuth0Client } from '@auth0/auth0-spa-js'
    const auth0 = await createAuth0Client({
      domain: 'as.example.com', clientId: 'spa', useRefreshTokens: true,
      authorizationParams: { redirect_uri: location.origin + '/callback', scope: 'openid offline_access' },
    })
    if (location.pathname === '/callback') await auth0.handleRedirectCallback()
    document.querySelector('#login').onclick = () => auth0.loginWithRedirect()
    document.querySelector('#call').onclick = async () =>
      fetch('/api', { headers: { authorization: 'Bearer ' + (await auth0.getTokenSilently()) } })
  `,
    'floor: oauth4webapi + idb-keyval': floorApp(''),
    // The same plus the one call that checks the ID Token's signature.
    'floor + ID Token signature check': floorApp(
      '      await oauth.validateApplicationLevelSignature(as, response)\n',
    ),
  }).map(([name, app]) => [name, app, 'workspace']),
]

function measure(name, contents, from) {
  return measureBundle(name, contents, {
    ...(from === 'dist' ? { resolveDir: installed } : {}),
    // esbuild's defaults (with `module`, the bundler condition) unless one is named; then `module`
    // must be named too.
    ...(from === 'source' ? { conditions: ['@oauthkit/source', 'module'] } : {}),
  })
}

const rows = []
for (const [name, contents, from] of apps) rows.push(await measure(name, contents, from))
const floor = rows.find((row) => row.name.startsWith('floor:'))
const ours = rows[0]
const fmt = (n) => n.toLocaleString('en-US')
const lines = [
  '### Bundle size: login + handleRedirect + getAccessToken app',
  '',
  '| app | minified | gzip -9 | brotli 11 | gzip ratio to floor | budget | verdict |',
  '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
]
for (const row of rows) {
  const isOurs = row === ours
  const pass = row.gzip <= BUDGET
  lines.push(
    `| ${row.name} | ${fmt(row.min)} | ${fmt(row.gzip)} | ${fmt(row.brotli)} | ${(row.gzip / floor.gzip).toFixed(2)}× | ${
      isOurs ? `≤ ${fmt(BUDGET)}` : ''
    } | ${isOurs ? (pass ? 'pass' : '**FAIL**') : ''} |`,
  )
}
lines.push('')
lines.push(
  'esbuild (bundle, minify, ESM, platform browser, es2022, tree-shaken, all dependencies included), one run.',
)
const parts = Object.entries(ours.byPackage)
  .sort((a, b) => b[1] - a[1])
  .map(([pkg, bytes]) => `${pkg} ${fmt(bytes)}`)
lines.push(`Minified bytes of the @oauthkit/browser (dist) app by package: ${parts.join(', ')}.`)
const modules = Object.entries(ours.byModule)
  .filter(([, bytes]) => bytes > 0)
  .sort((a, b) => b[1] - a[1])
  .map(([file, bytes]) => `${file} ${fmt(bytes)}`)
lines.push('', `By module (esbuild metafile, minified bytes): ${modules.join(', ')}.`)
// The build must tree-shake as well as the source: an app bundled from dist may not be bigger.
const source = rows.find((row) => row.name === `${ours.name.replace(' (dist)', '')} (source)`)
const shaken = ours.min <= source.min
lines.push(
  '',
  `dist − source: ${fmt(ours.min - source.min)} B minified, ${fmt(ours.gzip - source.gzip)} B gzip (${
    shaken ? 'the built packages tree-shake like the source' : '**the build defeats tree-shaking**'
  }).`,
)
const signatureFloor = rows.find((row) => row.name.startsWith('floor + ID Token signature'))
const engine = (row) => row.byPackage.oauth4webapi ?? 0
lines.push(
  '',
  `oauth4webapi minified bytes: ${fmt(engine(ours))} in the @oauthkit/browser app, ${fmt(engine(signatureFloor))} in the floor + ID Token signature check: the SDK's own code is the rest.`,
)
lines.push(
  `The brief's 9,000 B target is below the floor + ID Token signature check measured here (${fmt(signatureFloor.gzip)} B gzip); the budget covers the session features on top.`,
)
lines.push('')
process.stdout.write(`${lines.join('\n')}\n`)

if (!shaken) {
  process.stderr.write('@oauthkit/browser app is bigger from dist than from source\n')
  if (check) process.exitCode = 1
}
if (ours.gzip > BUDGET) {
  const message = `@oauthkit/browser app is ${fmt(ours.gzip)} bytes gzip, over the ${fmt(BUDGET)} budget`
  process.stderr.write(`${message}\n`)
  if (check) process.exitCode = 1
}
