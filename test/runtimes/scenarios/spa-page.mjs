// The page of the browser scenarios: a plain SPA on the packed @oauthkit/browser (bundled from
// the installed project, so what runs is what would be published), driven through `window.matrix`.
import { createBrowserClient } from '@oauthkit/browser'

const config = JSON.parse(document.getElementById('config')?.textContent ?? '{}')
const auth = createBrowserClient({
  issuer: config.issuer,
  clientId: config.clientId,
  redirectUri: `${location.origin}/callback`,
  scope: 'openid profile',
  allowInsecureRequests: true, // the devserver is http://127.0.0.1
  allowedOrigins: [location.origin, new URL(config.issuer).origin],
  // A logout navigates to the devserver's end-session page; the tab is kept here instead.
  navigate: (url) => (url.includes('/session/end') ? undefined : location.assign(url)),
})

/** Every entry of the SDK's IndexedDB database, read with the raw IndexedDB API. */
function dump() {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('oauthkit')
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const db = open.result
      if (!db.objectStoreNames.contains('entries')) {
        db.close()
        resolve({})
        return
      }
      const store = db.transaction('entries').objectStore('entries')
      const keys = store.getAllKeys()
      const values = store.getAll()
      store.transaction.oncomplete = () => {
        db.close()
        resolve(Object.fromEntries(keys.result.map((key, i) => [String(key), values.result[i]])))
      }
    }
  })
}

const events = []
auth.subscribe((event) => events.push(event))
window.matrix = {
  auth,
  events,
  dump,
  ready:
    location.pathname === '/callback'
      ? auth.handleRedirect().catch((err) => ({ error: err.code ?? String(err) }))
      : Promise.resolve(null),
}
