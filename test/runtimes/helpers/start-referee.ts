import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type DevServer, startDevServer } from '@oauthkit/devserver'

/** A devserver plus the small HTTP API through which scenarios in another runtime drive it. */
export interface Referee {
  /** `http://127.0.0.1:<port>`: the base URL the scenarios are given. */
  url: string
  server: DevServer
  close(): Promise<void>
}

const REDIRECT_URI = 'http://127.0.0.1:5173/callback'

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return chunks.length === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8'))
}

/**
 * Starts a devserver for one runtime (its own, so request counts are that runtime's alone) and a
 * referee API next to it. A runtime under test cannot call `server.login()` (the devserver is a
 * Node object in this process), so it asks over HTTP:
 * - `GET /config`: issuer, API resource, redirect URI, the confidential clients' secrets and keys;
 * - `POST /login {url}`: the headless login as alice, answering `{callback}`;
 * - `POST /mint {ttl, resource?}`: an RFC 9068 access token signed by the devserver;
 * - `GET /stats`, `POST /reset-stats`: the devserver's request counts per endpoint.
 */
export async function startReferee(): Promise<Referee> {
  const server = await startDevServer({ redirectUris: [REDIRECT_URI] })
  const config = {
    issuer: server.issuer,
    resource: server.resource,
    redirectUri: REDIRECT_URI,
    secrets: {
      service: server.clients.service?.clientSecret,
      web: server.clients.web?.clientSecret,
    },
    privateKeys: { 'web-jwt': server.clients['web-jwt']?.privateJwk },
  }
  const routes: Record<string, (body: Record<string, unknown>) => Promise<unknown> | unknown> = {
    'GET /config': () => config,
    'POST /login': async ({ url }) => ({
      callback: await server.login(String(url), { user: 'alice' }),
    }),
    'POST /mint': async ({ ttl, resource }) => ({
      token: await server.mintAccessToken({
        ttl: Number(ttl),
        sub: 'user-alice',
        ...(typeof resource === 'string' ? { resource } : {}),
      }),
    }),
    'GET /stats': () => server.stats().endpoints,
    'POST /reset-stats': () => {
      server.resetStats()
      return {}
    },
  }
  const http = createServer(async (request, response) => {
    const route = routes[`${request.method} ${new URL(request.url ?? '/', 'http://x').pathname}`]
    try {
      if (!route) throw new Error(`no route ${request.method} ${request.url}`)
      const body = JSON.stringify(await route(await readJson(request)))
      response.writeHead(200, { 'content-type': 'application/json' }).end(body)
    } catch (err) {
      response.writeHead(500, { 'content-type': 'text/plain' }).end(String(err))
    }
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const { port } = http.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    async close() {
      http.closeAllConnections()
      await new Promise((resolve) => http.close(resolve))
      await server.close()
    },
  }
}
