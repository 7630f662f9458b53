import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { build } from 'esbuild'

/** A running page server on 127.0.0.1. */
export interface PageServer {
  origin: string
  /** Sets the JSON the page reads from `#config`. */
  configure(config: Record<string, unknown>): void
  close(): Promise<void>
}

/**
 * Bundles `entry` of the installed project `dir` for the browser with esbuild (so imports resolve
 * to the packed packages in its node_modules) and serves it: `/app.js` is the bundle, every other
 * path the same small HTML page, so `/`, `/callback` and `/other` all run it.
 */
export async function servePage(dir: string, entry: string): Promise<PageServer> {
  const bundle = await build({
    entryPoints: [join(dir, entry)],
    absWorkingDir: dir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'warning',
  })
  const script = bundle.outputFiles[0]?.text ?? ''
  let config: Record<string, unknown> = {}
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname
    if (path === '/app.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(script)
    } else if (path === '/favicon.ico') {
      response.writeHead(404).end()
    } else {
      response.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
      })
      response.end(
        `<!doctype html><meta charset="utf-8"><title>spa</title>` +
          `<script id="config" type="application/json">${JSON.stringify(config)}</script>` +
          `<script type="module" src="/app.js"></script>`,
      )
    }
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
