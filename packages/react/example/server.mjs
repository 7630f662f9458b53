// Serves the example app: the page (app.tsx bundled by esbuild at start, from the packages'
// TypeScript source, so no build is needed) and the API it calls, which accepts only RFC 9068
// access tokens of the authorization server for its resource.
//
//   node packages/react/example/server.mjs     starts a dev server and the app, prints the URL
//
// The tests (test/browser/react.test.ts) and the playground (/react/) use createExample().
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { createAccessTokenVerifier, verifyNodeRequest } from '@oauthkit/node'
import { build } from 'esbuild'

const ORDERS = {
  'user-alice': ['1 × looking-glass', '12 × jam tarts'],
  'user-bob': ['3 × tea cups'],
}

/**
 * Bundles the app once. `mode: 'development'` keeps React's development build, where StrictMode
 * runs every effect twice: the case the provider must survive. `react`: a folder whose
 * node_modules hold another `react` and `react-dom` to bundle instead of the workspace's (the
 * tests run the app on React 18 too).
 * @param {{ mode?: 'development' | 'production', react?: string }} [options]
 * @returns {Promise<string>}
 */
export async function bundleExample({ mode = 'development', react } = {}) {
  const result = await build({
    ...(react
      ? {
          alias: {
            react: fileURLToPath(new URL('node_modules/react', react)),
            'react-dom': fileURLToPath(new URL('node_modules/react-dom', react)),
          },
        }
      : {}),
    entryPoints: [fileURLToPath(new URL('app.tsx', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    conditions: ['@oauthkit/source'],
    define: { 'process.env.NODE_ENV': JSON.stringify(mode) },
    minify: mode === 'production',
    write: false,
    logLevel: 'warning',
  })
  return result.outputFiles[0]?.text ?? ''
}

/**
 * The example as a request handler mounted at `base`; `react` as in {@link bundleExample}.
 * @param {{ issuer: string, resource: string, base?: string, clientId?: string, react?: string }} options
 * @returns {Promise<{ handle(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): Promise<boolean>, apiCalls: { sub: string | undefined, status: number }[] }>}
 */
export async function createExample({ issuer, resource, base = '', clientId = 'spa', react }) {
  const script = await bundleExample(react ? { react } : {})
  const verifier = createAccessTokenVerifier({
    issuer,
    audience: resource,
    allowInsecureRequests: new URL(issuer).protocol === 'http:',
  })
  const config = { issuer, clientId, scope: 'openid profile api:read', resource, base }
  // `<` escaped: the configuration sits inside a <script> element.
  const json = JSON.stringify(config).replaceAll('<', '\\u003c')
  const page =
    '<!doctype html><html lang="en"><meta charset="utf-8"><title>oauthkit React example</title>' +
    `<script id="config" type="application/json">${json}</script>` +
    `<div id="root"></div><script type="module" src="${base}/app.js"></script></html>`
  /** @type {{ sub: string | undefined, status: number }[]} */
  const apiCalls = []

  return {
    apiCalls,
    async handle(req, res) {
      const path = new URL(req.url ?? '/', 'http://x').pathname
      if (path !== base && !path.startsWith(`${base}/`)) return false
      const local = path.slice(base.length) || '/'
      if (local === '/app.js') {
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' })
        res.end(script)
      } else if (local === '/api/orders') {
        const claims = await verifyNodeRequest(verifier, req, res, { scopes: ['api:read'] })
        apiCalls.push({ sub: claims?.sub, status: res.statusCode })
        if (!claims) return true
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ sub: claims.sub, orders: ORDERS[claims.sub] ?? [] }))
      } else if (local.startsWith('/api/')) {
        res.writeHead(404)
        res.end()
      } else {
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
        })
        res.end(page)
      }
      return true
    },
  }
}

/**
 * Listens on 127.0.0.1 for the example, for an authorization server that registered
 * `${origin}/callback` and `${origin}/`: start it first with the returned `origin` in mind, or
 * pass `listen` a port the server knows.
 * @param {{ port?: number }} [options]
 */
export async function listenExample({ port = 0 } = {}) {
  /** @type {((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => Promise<boolean>) | undefined} */
  let handler
  const server = createServer(async (req, res) => {
    try {
      if (!(await handler?.(req, res))) {
        res.writeHead(404)
        res.end()
      }
    } catch {
      if (!res.headersSent) res.writeHead(500)
      res.end()
    }
  })
  await new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(undefined)))
  const address = /** @type {import('node:net').AddressInfo} */ (server.address())
  return {
    origin: `http://127.0.0.1:${address.port}`,
    /** @param {Awaited<ReturnType<typeof createExample>>} example */
    serve(example) {
      handler = example.handle
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve(undefined))
      }),
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { startDevServer } = await import('@oauthkit/devserver')
  const listening = await listenExample({ port: Number(process.env.PORT ?? 0) })
  const devServer = await startDevServer({
    redirectUris: [`${listening.origin}/callback`],
    postLogoutRedirectUris: [`${listening.origin}/`],
  })
  listening.serve(await createExample({ issuer: devServer.issuer, resource: devServer.resource }))
  console.log(`${listening.origin}/  (sign in as alice / alice-password)`)
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      void Promise.all([listening.close(), devServer.close()]).then(() => process.exit(0))
    })
  }
}
