/**
 * Every code block of every README and doc runs, against one devserver: `sh` in bash with a
 * temporary HOME and the repository's `node_modules/.bin` on PATH, `ts`/`js` in Node (bundled
 * from the package sources), `ts browser` in Chromium, `json` as the file it documents. A block
 * that is not meant to run says so in its fence (`no-run — why`). A doc that drifts from the
 * code fails here.
 *
 * Examples are written for a real deployment (`https://as.example.com`, `my-cli`...); the
 * placeholders in PLACEHOLDERS stand for this test's devserver, its clients and a local API, and
 * `allowInsecureRequests: true` is added where a client is created (the devserver is plain http).
 * Whoever the example asks to log in is played by the test: a device code it prints is approved,
 * an authorization URL it prints or navigates to is logged in to as alice.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createFileStore } from '@oauthkit/cli'
import { type DevServer, startDevServer } from '@oauthkit/devserver'
import { build, type Plugin } from 'esbuild'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../browser/helpers/launch-chromium.js'
import { type DocBlock, docBlocks, docFiles, notRun } from './doc-blocks.js'

const root = resolve(import.meta.dirname, '../..')
// Inside the repository, so that the bundles' bare imports resolve from its node_modules.
const work = join(root, 'node_modules', '.cache', 'oauthkit-doc-blocks')
mkdirSync(work, { recursive: true })

let server: DevServer
let api: { server: Server; origin: string; authorizations: string[] }
let page: { server: Server; origin: string; script: string }
let home: string
let browser: Browser | undefined
// What the examples read from process.env.CLIENT_SECRET.
const CLIENT_SECRET = 'billing-service-secret'

beforeAll(async () => {
  api = await startApi()
  page = await startPageServer()
  server = await startDevServer({
    deviceInterval: 0.05,
    resource: api.origin,
    redirectUris: [`${page.origin}/callback`],
    // The examples' own client ids, registered as the examples need them.
    clients: {
      'my-cli': {
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        redirect_uris: ['http://127.0.0.1/callback'],
        grant_types: [
          'authorization_code',
          'refresh_token',
          'urn:ietf:params:oauth:grant-type:device_code',
        ],
        response_types: ['code'],
      },
      'my-spa': {
        token_endpoint_auth_method: 'none',
        redirect_uris: [`${page.origin}/callback`],
        post_logout_redirect_uris: [`${page.origin}/`],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
      'billing-service': {
        client_secret: CLIENT_SECRET,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
    },
  })
  home = await mkdtemp(join(tmpdir(), 'oauthkit-doc-home-'))
}, 60_000)
afterAll(async () => {
  await browser?.close()
  await Promise.all([
    server?.close(),
    new Promise((done) => api?.server.close(done)),
    new Promise((done) => page?.server.close(done)),
    rm(home, { recursive: true, force: true }),
  ])
})

/** Example values → this test's servers and the devserver's clients. */
function placeholders(): [RegExp | string, string][] {
  return [
    [/https:\/\/(as|auth)\.example\.com/g, server.issuer],
    // The devserver's API resource, in the devserver's README, is the local API here too.
    [/http:\/\/127\.0\.0\.1:4000\/api\b/g, api.origin],
    [/http:\/\/127\.0\.0\.1:4000/g, server.issuer],
    [/https:\/\/api\.example\.com/g, api.origin],
    [/https:\/\/app\.example\.com/g, page.origin],
    [/orders:read/g, 'api:read'],
  ]
}

function substitute(code: string): string {
  let out = code
  for (const [pattern, value] of placeholders()) out = out.replaceAll(pattern, value)
  return out
}

// Where an example creates a client or discovers, the devserver's plain http needs the flag.
function allowHttp(code: string): string {
  return code
    .replace(
      /\b(createServerClient|createAccessTokenVerifier|createBrowserClient|deviceLogin|loopbackLogin)\(\{/g,
      '$1({ allowInsecureRequests: true,',
    )
    .replace(/\bdiscover\(([^,()]+)\)/g, 'discover($1, { allowInsecureRequests: true })')
    .replace(/\bstore\.get\((\w+)\)/g, 'store.get($1, { allowInsecureRequests: true })')
}

/** A tiny API behind `https://api.example.com`: records the Authorization headers it gets. */
async function startApi() {
  const authorizations: string[] = []
  const http = createServer((request, response) => {
    if (request.headers.authorization) authorizations.push(request.headers.authorization)
    response.writeHead(200, {
      'content-type': 'application/json',
      'access-control-allow-origin': '*',
      'access-control-allow-headers': 'authorization',
    })
    response.end('{"ok":true}')
  })
  return { server: http, origin: await listen(http), authorizations }
}

/** The SPA origin: every path answers a page that runs the current browser block. */
async function startPageServer() {
  const state = { server: undefined as unknown as Server, origin: '', script: '' }
  state.server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname
    if (path === '/app.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' })
      response.end(state.script)
    } else if (path.startsWith('/api/')) {
      if (request.headers.authorization) api.authorizations.push(request.headers.authorization)
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end('{"ok":true}')
    } else {
      response.writeHead(200, { 'content-type': 'text/html' })
      response.end(
        '<!doctype html><button id="login">in</button><button id="logout">out</button><script type="module" src="/app.js"></script>',
      )
    }
  })
  state.origin = await listen(state.server)
  return state
}

async function listen(http: Server): Promise<string> {
  await new Promise<void>((done) => http.listen(0, '127.0.0.1', done))
  return `http://127.0.0.1:${(http.address() as { port: number }).port}`
}

// Bare imports other than oauthkit's own stay imports: they resolve from node_modules at run time.
const externalDependencies: Plugin = {
  name: 'external-dependencies',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@oauthkit/') ||
      args.path === 'oauthkit' ||
      args.path.startsWith('oauthkit/')
        ? undefined
        : { path: args.path, external: true },
    )
  },
}

/** Bundles a TypeScript block from the package sources (no build needed). */
async function bundle(code: string, platform: 'node' | 'browser'): Promise<string> {
  const result = await build({
    stdin: { contents: code, loader: 'tsx', resolveDir: work, sourcefile: 'block.ts' },
    bundle: true,
    format: 'esm',
    platform,
    target: 'es2022',
    conditions: ['@oauthkit/source'],
    plugins: platform === 'node' ? [externalDependencies] : [],
    write: false,
    logLevel: 'silent',
  })
  return result.outputFiles[0]?.text ?? ''
}

/** Plays the user: approves printed device codes, logs in to printed authorization URLs. */
function playUser(child: ChildProcess, output: { text: string }) {
  const done = new Set<string>()
  const onData = (chunk: Buffer) => {
    output.text += chunk.toString()
    for (const [code] of output.text.matchAll(
      /\b[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}\b/g,
    )) {
      if (done.has(code)) continue
      done.add(code)
      void server.approveDevice(code).catch(() => {})
    }
    for (const [url] of output.text.matchAll(/http:\/\/127\.0\.0\.1:\d+\/auth\?\S+/g)) {
      if (done.has(url) || !url.startsWith(server.issuer)) continue
      done.add(url)
      void server
        .login(url, { user: 'alice' })
        .then((callback) => fetch(callback))
        .catch(() => {})
    }
  }
  child.stdout?.on('data', onData)
  child.stderr?.on('data', onData)
}

async function runProcess(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
) {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const output = { text: '' }
  playUser(child, output)
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const code = await new Promise<number | null>((done) => child.on('close', done))
  clearTimeout(timer)
  return { code, output: output.text }
}

async function userEnv(): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(home, 'user-'))
  return {
    PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, '.config'),
    CLIENT_SECRET,
    // `npx` must find every command in node_modules/.bin: never ask the registry.
    npm_config_offline: 'true',
    npm_config_registry: 'http://127.0.0.1:9/',
    // The devserver is plain http; commands get the switch from the environment.
    OAUTHKIT_ALLOW_INSECURE_REQUESTS: '1',
  }
}

async function runShell(block: DocBlock) {
  const env = await userEnv()
  // In the repository, as the READMEs say: `npm install` linked the commands there.
  return runProcess('bash', ['-euo', 'pipefail', '-c', substitute(block.code)], root, env)
}

async function runNode(block: DocBlock) {
  const env = await userEnv()
  const file = join(work, `${block.name.replace(/[^\w]/g, '_')}.mjs`)
  await writeFile(file, await bundle(allowHttp(substitute(block.code)), 'node'))
  return runProcess(process.execPath, [file], env.HOME ?? home, env)
}

async function runBrowser(block: DocBlock) {
  browser ??= await launchChromium()
  page.script = `${await bundle(`${allowHttp(substitute(block.code))}\n;(globalThis as any).__blockDone = true`, 'browser')}`
  const context = await browser.newContext()
  const tab = await context.newPage()
  const errors: string[] = []
  tab.on('pageerror', (err) => errors.push(err.message))
  tab.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
  try {
    // The block runs to its end, or sends the user to log in: then log in as alice (the same
    // authorization request, headless) and come back to the callback.
    let authorization: string | undefined
    tab.on('request', (request) => {
      if (request.url().startsWith(`${server.issuer}/auth?`)) authorization ??= request.url()
    })
    const done = () =>
      tab.waitForFunction(
        () => (globalThis as { __blockDone?: boolean }).__blockDone === true,
        undefined,
        {
          timeout: 30_000,
        },
      )
    const toIssuer = (timeout: number) =>
      tab.waitForURL((url) => url.origin === new URL(server.issuer).origin, { timeout })
    await tab.goto(`${page.origin}/`)
    const outcome = await Promise.race([
      toIssuer(30_000).then(() => 'login' as const),
      // login() resolves as it navigates, so the block may end just before the page leaves.
      done().then(() =>
        toIssuer(2_000).then(
          () => 'login' as const,
          () => 'done' as const,
        ),
      ),
    ])
    if (outcome === 'login' && authorization) {
      await tab.goto(await server.login(authorization, { user: 'alice' }))
      await done()
    }
    return { errors, url: tab.url() }
  } catch (err) {
    throw new Error(`${block.name} did not finish at ${tab.url()}: ${errors.join('; ') || err}`)
  } finally {
    await context.close()
  }
}

const blocks = docFiles(root).flatMap((path) => docBlocks(root, path))

describe('doc blocks', () => {
  it('finds the READMEs and docs, each with its blocks', () => {
    expect(blocks.length).toBeGreaterThan(20)
    expect(new Set(blocks.map((block) => block.name.split(':')[0]))).toContain(
      'packages/cli/README.md',
    )
  })

  it.each(blocks.map((block) => [block.name, block] as const))('%s', async (_, block) => {
    const skip = notRun(block)
    if (skip) {
      // Not run, and says why in its fence.
      expect(skip.reason.length, `${block.name}: "no-run" needs a reason`).toBeGreaterThan(10)
      return
    }
    switch (`${block.language} ${block.attributes}`.trim()) {
      case 'sh': {
        const { code, output } = await runShell(block)
        expect(code, output).toBe(0)
        return
      }
      case 'ts':
      case 'js': {
        const { code, output } = await runNode(block)
        expect(code, output).toBe(0)
        return
      }
      case 'ts browser': {
        const before = api.authorizations.length
        const { errors } = await runBrowser(block)
        expect(errors).toEqual([])
        // A block that calls the API through auth.fetch() got there with the access token.
        if (block.code.includes('auth.fetch(')) {
          expect(api.authorizations.slice(before)).toContainEqual(expect.stringMatching(/^Bearer /))
        }
        return
      }
      case 'json token-file': {
        // The documented file format is one the file store reads.
        const file = join(home, `${block.name.replace(/[^\w]/g, '_')}.json`)
        await writeFile(file, block.code)
        expect(await createFileStore(file).list()).toHaveLength(1)
        return
      }
      default:
        throw new Error(
          `${block.name}: no runner for "${block.language} ${block.attributes}"; mark it "no-run — why" if it is not meant to run`,
        )
    }
  })
})
