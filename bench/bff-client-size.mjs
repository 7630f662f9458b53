// What the Backend-for-Frontend companion costs an app: bundle size of an SPA that signs in
// through a BFF (`createBffClient` from @oauthkit/browser/bff: login, getUser, fetch to an API
// through the BFF's proxy), bundled from the built packages as users get them (packed with
// `npm pack` and installed outside the workspace by bench/lib/installed-packages.mjs: run
// `npm run build` first; `npm run bench` does), next to, in the same run:
// - the floor: the same three calls written by hand with fetch and location.assign (what the
//   companion adds on top is its cross-tab channel, the 401 watch and error handling),
// - the token-in-the-browser app of bench/browser-size.mjs (@oauthkit/browser: login,
//   handleRedirect, getAccessToken), for what the BFF architecture saves the browser.
// Each app is bundled by esbuild (minified ESM for browsers, es2022, tree-shaken, every
// dependency included) and compressed with gzip -9 and brotli 11.
// Budget under --check: the companion app is at most BUDGET (1,500) bytes gzip (issue 14).
import { measureBundle } from './lib/bundle-size.mjs'
import { builtPackages } from './lib/installed-packages.mjs'

const installed = builtPackages()
const check = process.argv.includes('--check')
const BUDGET = 1_500

const apps = {
  '@oauthkit/browser/bff (companion)': `
    import { createBffClient } from '@oauthkit/browser/bff'
    const auth = createBffClient()
    const user = await auth.getUser()
    document.querySelector('#name').textContent = user ? String(user.name) : 'anonymous'
    document.querySelector('#login').onclick = () => auth.login({ returnTo: location.pathname })
    document.querySelector('#call').onclick = () => auth.fetch('/api/orders')
  `,
  'floor: fetch + location.assign by hand': `
    const user = await (await fetch('/auth/user', { headers: { 'x-oauthkit-csrf': '1' } })).json()
    document.querySelector('#name').textContent = user ? String(user.name) : 'anonymous'
    document.querySelector('#login').onclick = () =>
      location.assign('/auth/login?returnTo=' + encodeURIComponent(location.pathname))
    document.querySelector('#call').onclick = () =>
      fetch('/api/orders', { headers: { 'x-oauthkit-csrf': '1' } })
  `,
  '@oauthkit/browser (tokens in the browser)': `
    import { createBrowserClient } from '@oauthkit/browser'
    const auth = createBrowserClient({
      issuer: 'https://as.example.com', clientId: 'spa', scope: 'openid offline_access',
      redirectUri: location.origin + '/callback',
    })
    if (location.pathname === '/callback') await auth.handleRedirect()
    document.querySelector('#login').onclick = () => auth.login()
    document.querySelector('#call').onclick = async () =>
      fetch('/api', { headers: { authorization: 'Bearer ' + (await auth.getAccessToken()) } })
  `,
}

const measure = (name, contents) => measureBundle(name, contents, { resolveDir: installed })

const rows = []
for (const [name, contents] of Object.entries(apps)) rows.push(await measure(name, contents))
const [ours, floor] = rows
const fmt = (n) => n.toLocaleString('en-US')
const lines = [
  '### Bundle size: an SPA behind a BFF (getUser + login + fetch through the proxy)',
  '',
  '| app | minified | gzip -9 | brotli 11 | gzip over floor | budget | verdict |',
  '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
]
for (const row of rows) {
  const isOurs = row === ours
  lines.push(
    `| ${row.name} | ${fmt(row.min)} | ${fmt(row.gzip)} | ${fmt(row.brotli)} | ${row.gzip - floor.gzip >= 0 ? '+' : ''}${fmt(row.gzip - floor.gzip)} B | ${
      isOurs ? `≤ ${fmt(BUDGET)}` : ''
    } | ${isOurs ? (ours.gzip <= BUDGET ? 'pass' : '**FAIL**') : ''} |`,
  )
}
lines.push('')
lines.push(
  'esbuild (bundle, minify, ESM, platform browser, es2022, tree-shaken, all dependencies included) from the installed tarballs of the built packages, one run.',
)
lines.push('')
process.stdout.write(`${lines.join('\n')}\n`)

if (ours.gzip > BUDGET) {
  process.stderr.write(
    `the BFF companion app is ${fmt(ours.gzip)} bytes gzip, over the ${fmt(BUDGET)} budget\n`,
  )
  if (check) process.exitCode = 1
}
