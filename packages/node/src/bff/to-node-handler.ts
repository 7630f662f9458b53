import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Bff } from './create-bff.js'

/** A `node:http` request listener that is also Express/Connect middleware. */
export type NodeHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (err?: unknown) => void,
) => void

/**
 * Adapts a {@link Bff} to `node:http` (`createServer(toNodeHandler(bff))`) and to Express-style
 * stacks (`app.use(toNodeHandler(bff))`: requests that are not the BFF's go to `next()`). The
 * request URL is built on the BFF's configured origin, never on the `Host` header, and bodies
 * stream both ways.
 */
export function toNodeHandler(bff: Bff): NodeHandler {
  return (req, res, next) => {
    // Built inside the guarded path: a request line Node accepts but the Fetch API refuses (a
    // `TRACE`, a URL like `http://[`) must get a 400, never an exception that ends the process.
    const toRequest = (): Request => {
      const method = req.method ?? 'GET'
      const headers = new Headers()
      for (const [name, value] of Object.entries(req.headers)) {
        if (value === undefined || name.startsWith(':')) continue
        for (const item of [value].flat()) headers.append(name, item)
      }
      const init: RequestInit & { duplex?: 'half' } = { method, headers }
      if (method !== 'GET' && method !== 'HEAD') {
        init.body = new ReadableStream<Uint8Array>({
          async start(controller) {
            try {
              for await (const chunk of req) controller.enqueue(new Uint8Array(chunk as Buffer))
              controller.close()
            } catch (err) {
              controller.error(err)
            }
          },
        })
        init.duplex = 'half'
      }
      return new Request(new URL(req.url ?? '/', bff.origin), init)
    }
    const respond = async () => {
      let request: Request
      try {
        request = toRequest()
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' })
        res.end('{"error":"invalid_request"}')
        return
      }
      const response = next ? await bff.handle(request) : await bff.handler(request)
      if (!response) return next?.()
      const out: Record<string, string | string[]> = {}
      for (const [name, value] of response.headers) {
        if (name === 'set-cookie') continue
        out[name] = value
      }
      const cookies = response.headers.getSetCookie()
      if (cookies.length > 0) out['set-cookie'] = cookies
      res.writeHead(response.status, out)
      if (!response.body) return void res.end()
      const reader = response.body.getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        if (res.destroyed) {
          // The browser went away: stop reading the upstream's body.
          await reader.cancel()
          break
        }
        if (!res.write(value)) {
          await new Promise((resolve) => {
            res.once('drain', resolve)
            res.once('close', resolve)
          })
        }
      }
      res.end()
    }
    respond().catch((err) => {
      if (next) return next(err)
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
      res.end('{"error":"server_error"}')
    })
  }
}
