// Bundle size of the same React app (a public page, a protected page that calls an API, login,
// logout, the user's name, the loading and error states) built five ways in one run:
// - React alone, with no login at all: the floor every row shares;
// - @oauthkit/browser called by hand from effects (what users write without bindings, StrictMode
//   bug included), and the same app with @oauthkit/react: their difference is what the bindings add;
// - @auth0/auth0-react (with @auth0/auth0-spa-js) and react-oidc-context (with oidc-client-ts),
//   the React bindings people compare us with.
// Packages are the BUILT ones as users install them (packed and unpacked by
// bench/lib/installed-packages.mjs: run `npm run build` first, as `npm run bench` does). Each app
// is bundled by esbuild (minified ESM for browsers, es2022, tree-shaken, React's production build,
// every dependency included) and compressed with gzip -9 and brotli 11.
// Budget under --check: @oauthkit/react adds at most BUDGET (1,500) bytes gzip to the app that
// uses @oauthkit/browser by hand.

import { existsSync } from 'node:fs'
import { measureBundle } from './lib/bundle-size.mjs'
import { builtPackages } from './lib/installed-packages.mjs'

const check = process.argv.includes('--check')
const BUDGET = 1_500

if (!existsSync(new URL('../packages/react/dist/index.js', import.meta.url))) {
  process.stderr.write('packages/react/dist is missing: run `npm run build` first\n')
  process.exit(1)
}

// What users get: the packed packages, unpacked outside the workspace (bench/lib/installed-packages.mjs).
const installed = builtPackages()
const ISSUER = `'https://as.example.com'`
const render = (app) => `
    createRoot(document.getElementById('root')).render(<StrictMode>${app}</StrictMode>)
  `
// The same markup in every app; `auth` is what each library calls its state and methods.
const ui = ({ loading, error, signedIn, name, login, logout }) => `
    function Layout({ children }) {
      ${loading.hook}
      if (${loading.test}) return <p>Loading…</p>
      if (${error}) return <p role="alert">{${error}.message}</p>
      return (
        <div>
          {${signedIn}
            ? <><p>Signed in as {${name}}</p><button onClick={() => ${logout}}>Log out</button></>
            : <button onClick={() => ${login}}>Log in</button>}
          {children}
        </div>
      )
    }
  `
const orders = (getToken) => `
    function Orders() {
      const [data, setData] = useState()
      ${getToken.hook}
      const load = async () => {
        const response = await fetch('/api/orders', { headers: { authorization: 'Bearer ' + (await ${getToken.call}) } })
        setData(await response.text())
      }
      return <button onClick={load}>{data ?? 'Load my orders'}</button>
    }
  `
const page = (Protected) => `
    const App = () => <Layout>{location.pathname === '/orders' ? <${Protected} /> : <p>Public page</p>}</Layout>
  `

const apps = {
  'React only (no login)': `
    import { StrictMode, useState } from 'react'
    import { createRoot } from 'react-dom/client'
    ${ui({ loading: { hook: '', test: 'false' }, error: 'undefined', signedIn: 'false', name: "''", login: 'null', logout: 'null' })}
    ${orders({ hook: '', call: "''" })}
    ${page('Orders')}
    ${render('<App />')}
  `,
  '@oauthkit/browser by hand': `
    import { StrictMode, useEffect, useState } from 'react'
    import { createRoot } from 'react-dom/client'
    import { createBrowserClient } from '@oauthkit/browser'
    const auth = createBrowserClient({ issuer: ${ISSUER}, clientId: 'spa', scope: 'openid offline_access', redirectUri: location.origin + '/callback' })
    function useSession() {
      const [state, setState] = useState({ isLoading: true })
      useEffect(() => {
        const read = () => auth.getUser().then((user) => setState({ user }), (error) => setState({ error }))
        const start = location.pathname === '/callback' ? auth.handleRedirect() : Promise.resolve()
        start.then(read, (error) => setState({ error }))
        return auth.subscribe(read)
      }, [])
      return state
    }
    ${ui({ loading: { hook: 'const session = useSession()', test: 'session.isLoading' }, error: 'session.error', signedIn: 'session.user', name: 'session.user.name', login: 'auth.login()', logout: 'auth.logout()' })}
    ${orders({ hook: '', call: 'auth.getAccessToken()' })}
    function Protected() {
      const session = useSession()
      useEffect(() => { if (!session.isLoading && !session.user) auth.login({ returnTo: location.pathname }) }, [session])
      return session.user ? <Orders /> : null
    }
    ${page('Protected')}
    ${render('<App />')}
  `,
  '@oauthkit/react + @oauthkit/browser': `
    import { StrictMode, useState } from 'react'
    import { createRoot } from 'react-dom/client'
    import { createBrowserClient } from '@oauthkit/browser'
    import { AuthProvider, RequireAuth, useAuth } from '@oauthkit/react'
    const client = createBrowserClient({ issuer: ${ISSUER}, clientId: 'spa', scope: 'openid offline_access', redirectUri: location.origin + '/callback' })
    ${ui({ loading: { hook: 'const auth = useAuth()', test: 'auth.isLoading' }, error: 'auth.error', signedIn: 'auth.isAuthenticated', name: 'auth.user?.name', login: 'auth.login()', logout: 'auth.logout()' })}
    ${orders({ hook: 'const auth = useAuth()', call: 'auth.getAccessToken()' })}
    const Protected = () => <RequireAuth><Orders /></RequireAuth>
    ${page('Protected')}
    ${render('<AuthProvider client={client}><App /></AuthProvider>')}
  `,
  '@auth0/auth0-react': `
    import { StrictMode, useState } from 'react'
    import { createRoot } from 'react-dom/client'
    import { Auth0Provider, useAuth0, withAuthenticationRequired } from '@auth0/auth0-react'
    ${ui({ loading: { hook: 'const auth = useAuth0()', test: 'auth.isLoading' }, error: 'auth.error', signedIn: 'auth.isAuthenticated', name: 'auth.user?.name', login: 'auth.loginWithRedirect()', logout: 'auth.logout()' })}
    ${orders({ hook: 'const auth = useAuth0()', call: 'auth.getAccessTokenSilently()' })}
    const Protected = withAuthenticationRequired(Orders)
    ${page('Protected')}
    ${render(`<Auth0Provider domain="as.example.com" clientId="spa" useRefreshTokens authorizationParams={{ redirect_uri: location.origin + '/callback', scope: 'openid offline_access' }}><App /></Auth0Provider>`)}
  `,
  'react-oidc-context + oidc-client-ts': `
    import { StrictMode, useState } from 'react'
    import { createRoot } from 'react-dom/client'
    import { AuthProvider, useAuth, withAuthenticationRequired } from 'react-oidc-context'
    ${ui({ loading: { hook: 'const auth = useAuth()', test: 'auth.isLoading' }, error: 'auth.error', signedIn: 'auth.isAuthenticated', name: 'auth.user?.profile.name', login: 'auth.signinRedirect()', logout: 'auth.signoutRedirect()' })}
    ${orders({ hook: 'const auth = useAuth()', call: 'auth.user?.access_token' })}
    const Protected = withAuthenticationRequired(Orders)
    ${page('Protected')}
    ${render(`<AuthProvider authority=${ISSUER} client_id="spa" scope="openid offline_access" redirect_uri={location.origin + '/callback'} onSigninCallback={() => history.replaceState(null, '', location.pathname)}><App /></AuthProvider>`)}
  `,
}

const rows = []
for (const [name, contents] of Object.entries(apps))
  rows.push(
    await measureBundle(name, contents, {
      loader: 'jsx',
      resolveDir: installed,
      jsx: 'automatic',
      define: { 'process.env.NODE_ENV': '"production"' },
    }),
  )
const [floor, byHand, ours] = rows
const fmt = (n) => n.toLocaleString('en-US')
const lines = [
  '### Bundle size: the same React app (public page, protected page with an API call, login, logout)',
  '',
  '| app | minified | gzip -9 | brotli 11 | gzip over React only |',
  '| --- | ---: | ---: | ---: | ---: |',
]
for (const row of rows) {
  lines.push(
    `| ${row.name} | ${fmt(row.min)} | ${fmt(row.gzip)} | ${fmt(row.brotli)} | ${row === floor ? '' : `+${fmt(row.gzip - floor.gzip)}`} |`,
  )
}
const added = ours.gzip - byHand.gzip
lines.push('')
lines.push(
  `**What @oauthkit/react adds** to the app that calls @oauthkit/browser by hand: +${fmt(added)} B gzip, +${fmt(ours.brotli - byHand.brotli)} B brotli (${fmt(ours.byPackage['@oauthkit/react'] ?? 0)} B of its own minified code in the bundle). Budget ≤ ${fmt(BUDGET)} B gzip: ${added <= BUDGET ? 'pass' : '**FAIL**'}.`,
)
lines.push(
  'esbuild (bundle, minify, ESM, platform browser, es2022, tree-shaken, React production build, all dependencies included, packages from the installed tarballs), one run.',
)
for (const row of rows.slice(1)) {
  const parts = Object.entries(row.byPackage)
    .filter(([pkg]) => pkg !== 'react' && pkg !== 'react-dom' && pkg !== 'scheduler')
    .sort((a, b) => b[1] - a[1])
    .map(([pkg, bytes]) => `${pkg} ${fmt(bytes)}`)
  lines.push(`- ${row.name}, minified bytes besides React: ${parts.join(', ')}.`)
}
lines.push('')
process.stdout.write(`${lines.join('\n')}\n`)

if (added > BUDGET) {
  process.stderr.write(
    `@oauthkit/react adds ${fmt(added)} bytes gzip, over the ${fmt(BUDGET)} budget\n`,
  )
  if (check) process.exitCode = 1
}
