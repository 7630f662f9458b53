// The example app: a public page, a protected page that calls an API, and logout, with
// @oauthkit/react. A thirty-line router stands in for react-router so the example has no other
// dependency; `onRedirect` is where a real router's navigate() goes.
import { createBrowserClient } from '@oauthkit/browser'
import { AuthProvider, RequireAuth, useAccessToken, useAuth, useUser } from '@oauthkit/react'
import {
  type MouseEvent,
  type ReactNode,
  StrictMode,
  useEffect,
  useState,
  useSyncExternalStore,
} from 'react'
import { createRoot } from 'react-dom/client'

/** What the page's server puts into `<script id="config">`. */
interface ExampleConfig {
  issuer: string
  clientId: string
  scope: string
  /** The API's resource indicator (RFC 8707): its access tokens are JWTs it verifies itself. */
  resource: string
  /** The path the app is mounted at: '' standalone, '/react' inside the playground. */
  base: string
}

const config: ExampleConfig = JSON.parse(document.getElementById('config')?.textContent ?? '{}')
const { base } = config

const auth = createBrowserClient({
  issuer: config.issuer,
  clientId: config.clientId,
  scope: config.scope,
  resource: config.resource,
  redirectUri: `${location.origin}${base}/callback`,
  // Only for the local development server, which is plain http on 127.0.0.1.
  allowInsecureRequests: new URL(config.issuer).protocol === 'http:',
})

const onNavigate = new Set<() => void>()
function navigate(to: string, { replace = false } = {}): void {
  history[replace ? 'replaceState' : 'pushState'](null, '', to)
  for (const listener of onNavigate) listener()
}
function subscribePath(listener: () => void): () => void {
  onNavigate.add(listener)
  addEventListener('popstate', listener)
  return () => {
    onNavigate.delete(listener)
    removeEventListener('popstate', listener)
  }
}
function usePath(): string {
  return useSyncExternalStore(subscribePath, () => location.pathname.slice(base.length) || '/')
}
function Link({ to, children }: { to: string; children: ReactNode }): ReactNode {
  const onClick = (event: MouseEvent) => {
    event.preventDefault()
    navigate(base + to)
  }
  return (
    <a href={base + to} onClick={onClick}>
      {children}
    </a>
  )
}

function Header(): ReactNode {
  const { isLoading, isAuthenticated, user, error, login, logout } = useAuth()
  return (
    <header>
      <nav>
        <Link to="/">Home</Link> · <Link to="/orders">Orders</Link>
      </nav>
      <p data-testid="status">
        {isLoading
          ? 'Loading…'
          : isAuthenticated
            ? `Signed in as ${user?.name ?? user?.sub}`
            : 'Not signed in'}
      </p>
      {error && (
        <p role="alert" data-testid="error" data-code={(error as { code?: string }).code}>
          {error.message}
        </p>
      )}
      {!isLoading &&
        (isAuthenticated ? (
          <button
            type="button"
            data-testid="logout"
            onClick={() => logout({ postLogoutRedirectUri: `${location.origin}${base}/` })}
          >
            Log out
          </button>
        ) : (
          <button
            type="button"
            data-testid="login"
            onClick={() => login({ returnTo: location.pathname })}
          >
            Log in
          </button>
        ))}
    </header>
  )
}

function Home(): ReactNode {
  const user = useUser()
  return (
    <main>
      <h1>Public page</h1>
      <p data-testid="greeting">
        {user ? `Hello, ${user.given_name ?? user.sub}.` : 'Hello, stranger.'}
      </p>
    </main>
  )
}

function Orders(): ReactNode {
  const { fetch } = useAuth()
  const { accessToken } = useAccessToken()
  const [orders, setOrders] = useState<string>()
  const [failure, setFailure] = useState<string>()
  // How many different access tokens this page has seen: a refresh in any tab adds one.
  const [tokens, setTokens] = useState(0)
  useEffect(() => {
    if (accessToken) setTokens((count) => count + 1)
  }, [accessToken])
  async function load(): Promise<void> {
    setFailure(undefined)
    try {
      const response = await fetch(`${base}/api/orders`)
      setOrders(await response.text())
    } catch (err) {
      setOrders(undefined)
      setFailure((err as { code?: string }).code ?? String(err))
    }
  }
  return (
    <main>
      <h1>Protected page</h1>
      <p data-testid="tokens">access tokens seen: {tokens}</p>
      <button type="button" data-testid="load-orders" onClick={() => void load()}>
        Load my orders
      </button>
      {orders !== undefined && <pre data-testid="orders">{orders}</pre>}
      {failure !== undefined && <p data-testid="orders-failure">{failure}</p>}
    </main>
  )
}

function App(): ReactNode {
  const path = usePath()
  return (
    <>
      <Header />
      {path === '/orders' ? (
        <RequireAuth fallback={<p data-testid="redirecting">Signing you in…</p>}>
          <Orders />
        </RequireAuth>
      ) : path === '/callback' ? (
        <p>Signing you in…</p>
      ) : (
        <Home />
      )}
    </>
  )
}

const root = document.getElementById('root')
if (root) {
  createRoot(root).render(
    <StrictMode>
      <AuthProvider
        client={auth}
        onRedirect={({ returnTo }) => navigate(returnTo ?? `${base}/`, { replace: true })}
      >
        <App />
      </AuthProvider>
    </StrictMode>,
  )
}
