// One BFF of a fleet, in its own process: `createBff` on `node:http` (toNodeHandler), its
// sessions in Redis through `createRedisStore`. Bundled by bff-fleet.test.ts and forked twice.
// Protocol (IPC): sends { type: 'listening', port } at start; answers
// { type: 'configure', issuer, clientSecret, publicOrigin, apiOrigin, resource, redisUrl } with
// { type: 'ready' }, or { type: 'failed', message }.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createBff, type NodeHandler, toNodeHandler } from '@oauthkit/node/bff'
import { createRedisStore } from '@oauthkit/redis'
import { createClient } from 'redis'

interface Configure {
  type: 'configure'
  issuer: string
  clientSecret: string
  publicOrigin: string
  apiOrigin: string
  resource: string
  redisUrl: string
}

const send = (message: Record<string, unknown>) => process.send?.(message)
let handler: NodeHandler | undefined
const server = createServer((req, res) => {
  if (handler) return handler(req, res)
  res.writeHead(503).end()
})
server.listen(0, '127.0.0.1', () => {
  send({ type: 'listening', port: (server.address() as AddressInfo).port })
})

process.on('message', async (message: Configure) => {
  if (message.type !== 'configure') return
  try {
    const redis = createClient({ url: message.redisUrl })
    redis.on('error', () => {})
    await redis.connect()
    // The same configuration in every process: only the port it listens on differs. Behind a
    // load balancer both answer for one public origin, which is what the redirect URI names.
    const bff = createBff({
      issuer: message.issuer,
      clientId: 'web',
      clientSecret: message.clientSecret,
      redirectUri: `${message.publicOrigin}/auth/callback`,
      postLogoutRedirectUri: `${message.publicOrigin}/`,
      scope: 'openid profile offline_access api:read',
      resource: message.resource,
      secret: 'a-fleet-secret-shared-by-every-process!',
      apis: [{ prefix: '/api/orders', upstream: `${message.apiOrigin}/v1/orders` }],
      store: createRedisStore({ client: redis, prefix: 'bff-fleet:' }),
      allowInsecureRequests: true,
      allowInsecureCookies: true,
    })
    handler = toNodeHandler(bff)
    send({ type: 'ready' })
  } catch (err) {
    send({ type: 'failed', message: String((err as Error)?.message ?? err) })
  }
})
