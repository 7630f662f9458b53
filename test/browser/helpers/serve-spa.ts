import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

/** A running test page server. */
export interface SpaServer {
  /** `http://127.0.0.1:<port>`. */
  origin: string
  /** Sets the configuration the page script reads (issuer, client id). */
  configure(config: Record<string, unknown>): void
  /** Requests to `/api/…`: host, path and `Authorization` header, in order. */
  apiRequests: { host: string; path: string; authorization: string | undefined }[]
  close(): Promise<void>
}

/** Which page script to serve, when not `fixtures/spa-page.ts` from the package sources. */
export interface SpaPage {
  /** The script's path. */
  entry: string
  /** Where its imports resolve from (the runtime suite's installed project of packed packages). */
  dir: string
}

/**
 * Bundles a page script with esbuild and serves it with a tiny HTML page on 127.0.0.1:0: a
 * fixture of `test/browser/fixtures` by file name (default `spa-page.ts`), from the package
 * sources (the `@oauthkit/source` condition, so no build is needed), or a given `page` with the
 * default export conditions. Every path that is not `/app.js` answers the same page, so `/`,
 * `/callback` and `/other` all run it.
 */
export async function serveSpa(page: string | SpaPage = 'spa-page.ts'): Promise<SpaServer> {
  const fixture = typeof page === 'string'
  const bundle = await build({
    entryPoints: [
      fixture ? fileURLToPath(new URL(`../fixtures/${page}`, import.meta.url)) : page.entry,
    ],
    ...(fixture ? {} : { absWorkingDir: page.dir }),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: fixture ? ['@oauthkit/source'] : [],
    write: false,
    logLevel: 'warning',
  })
  const script = bundle.outputFiles[0]?.text ?? ''
  let config: Record<string, unknown> = {}
  const apiRequests: SpaServer['apiRequests'] = []
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x')
    const path = url.pathname
    // A tiny API: `/api/redirect?to=…` answers 302 to `to`; the rest answers 200 and allows any
    // origin and header, so only the browser's own redirect rules decide what is sent.
    if (path.startsWith('/api/')) {
      const { host, authorization } = request.headers
      if (request.method !== 'OPTIONS') apiRequests.push({ host: host ?? '', path, authorization })
      const to = url.searchParams.get('to')
      response.writeHead(path === '/api/redirect' && to ? 302 : 200, {
        ...(path === '/api/redirect' && to ? { location: to } : {}),
        'access-control-allow-origin': '*',
        'access-control-allow-headers': 'authorization, dpop',
      })
      response.end()
      return
    }
    if (path === '/app.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' })
      response.end(script)
      return
    }
    if (path === '/favicon.ico') {
      response.writeHead(404)
      response.end()
      return
    }
    response.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
    })
    response.end(
      `<!doctype html><meta charset="utf-8"><title>spa</title>` +
        `<script id="config" type="application/json">${JSON.stringify(config)}</script>` +
        `<script type="module" src="/app.js"></script>`,
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    apiRequests,
    configure(next) {
      config = next
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
