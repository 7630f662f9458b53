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
  close(): Promise<void>
}

/**
 * Bundles `fixtures/spa-page.ts` with esbuild from the package sources (the `@oauthkit/source`
 * condition, so no build is needed) and serves it with a tiny HTML page on 127.0.0.1:0. Every
 * path that is not `/app.js` answers the same page, so `/`, `/callback` and `/other` all run it.
 */
export async function serveSpa(): Promise<SpaServer> {
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('../fixtures/spa-page.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@oauthkit/source'],
    write: false,
    logLevel: 'warning',
  })
  const script = bundle.outputFiles[0]?.text ?? ''
  let config: Record<string, unknown> = {}
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname
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
