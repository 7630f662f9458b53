import {
  type BrowserClientOptions,
  createBrowserClient,
  createMemoryStore,
} from '../../src/index.js'
import {
  createFakeAuthorizationServer,
  type FakeServerOptions,
} from './fake-authorization-server.js'

export const REDIRECT_URI = `${location.origin}/callback`

/** A fake server, a client wired to it, and the URLs the client navigated to. */
export async function setupClient(
  overrides: Partial<BrowserClientOptions> = {},
  serverOptions?: FakeServerOptions,
) {
  const server = await createFakeAuthorizationServer(serverOptions)
  const navigations: string[] = []
  const store = overrides.store ?? createMemoryStore()
  const auth = createBrowserClient({
    issuer: server.issuer,
    clientId: server.clientId,
    redirectUri: REDIRECT_URI,
    scope: 'openid offline_access',
    fetch: server.fetch,
    navigate: (url) => navigations.push(url),
    ...overrides,
    store,
  })
  /** Logs in through the fake server and handles the callback; returns the callback URL. */
  async function signIn(): Promise<string> {
    await auth.login()
    const callback = server.authorize(navigations.at(-1) ?? '')
    await auth.handleRedirect(callback)
    return callback
  }
  return { server, auth, store, navigations, signIn }
}
