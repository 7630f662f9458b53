// The body of the local authorization server started by token-server.mjs, run in a worker thread
// so that serving requests does not share the event loop with the code being measured.
import { createServer } from 'node:http'
import { parentPort, workerData } from 'node:worker_threads'

const { ttl, jwks } = workerData
const counts = {}
let issued = 0
let issuer = ''

function json(res, status, body, headers = {}) {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
    ...headers,
  })
  res.end(text)
}

function metadata() {
  return {
    issuer,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    authorization_endpoint: `${issuer}/authorize`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    grant_types_supported: ['client_credentials', 'refresh_token', 'authorization_code'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
  }
}

const server = createServer((req, res) => {
  const path = req.url.split('?')[0]
  counts[path] = (counts[path] ?? 0) + 1
  const chunks = []
  req.on('data', (chunk) => chunks.push(chunk))
  req.on('end', () => {
    if (req.method === 'GET' && path.endsWith('/.well-known/openid-configuration')) {
      return json(res, 200, metadata())
    }
    if (req.method === 'GET' && path.endsWith('/.well-known/oauth-authorization-server')) {
      return json(res, 200, metadata())
    }
    if (req.method === 'GET' && path === '/jwks') return json(res, 200, jwks)
    if (req.method === 'POST' && path.endsWith('/token')) {
      const form = new URLSearchParams(Buffer.concat(chunks).toString())
      issued++
      const body = {
        access_token: `at-${issued}-${'x'.repeat(40)}`,
        token_type: 'Bearer',
        expires_in: ttl,
        ext_expires_in: ttl,
      }
      if (form.get('scope')) body.scope = form.get('scope')
      if (form.get('grant_type') === 'refresh_token') body.refresh_token = `rt-${issued}`
      return json(res, 200, body)
    }
    json(res, 404, { error: 'not_found' })
  })
})
server.keepAliveTimeout = 60_000

parentPort.on('message', (message) => {
  if (message === 'stats') parentPort.postMessage({ stats: { ...counts } })
  if (message === 'reset') {
    for (const key of Object.keys(counts)) delete counts[key]
    parentPort.postMessage({ reset: true })
  }
  if (message === 'close') server.close(() => process.exit(0))
})

server.listen(0, '127.0.0.1', () => {
  issuer = `http://127.0.0.1:${server.address().port}`
  parentPort.postMessage({ issuer })
})
