import { createHash, createHmac } from 'node:crypto'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
// @ts-expect-error: plain JavaScript module with JSDoc types
import { startPlayground } from '../server.mjs'
import { launchChromium } from './launch-chromium.ts'

const SHOTS = join(import.meta.dirname, '../../test-results/playground')

let playground: {
  url: string
  close(): Promise<void>
  devServer: { liveRefreshTokens(): { clientId: string; grantId: string }[] }
  bff: {
    client: {
      getSession(key: string): Promise<{
        tokenSet: { accessToken: string; refreshToken?: string; idToken?: string }
      }>
    }
  }
}
let browser: Browser
let context: BrowserContext
let page: Page
let origin: string

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  ;[playground, browser] = await Promise.all([startPlayground(), launchChromium()])
  origin = new URL(playground.url).origin
})

afterAll(async () => {
  await browser?.close()
  await playground?.close()
})

beforeEach(async () => {
  await context?.close()
  context = await browser.newContext({ viewport: { width: 1360, height: 900 } })
  page = await context.newPage()
  page.setDefaultTimeout(20_000)
})

async function startTour(id: string): Promise<void> {
  await page.goto(playground.url)
  await page.click(`[data-testid="start-${id}"]`)
  await page.waitForSelector('[data-testid="next"]')
}

/** Presses Next and waits until step `index` is done and shows no error. */
async function next(index: number): Promise<void> {
  await page.click('[data-testid="next"]')
  await waitDone(index)
}

async function waitDone(index: number): Promise<void> {
  await page.waitForSelector(`.stage[data-done="${index}"][data-busy="false"]`)
  expect(await page.locator('[data-testid="step-error"]').count()).toBe(0)
}

/** Signs in on the dev server's own pages (login, consent, device confirmation). */
async function signIn(target: Page, username = 'alice'): Promise<void> {
  for (let i = 0; i < 8; i++) {
    if (target.url().startsWith(origin)) return
    await target.waitForLoadState()
    if (await target.locator('#username').count()) {
      await target.fill('#username', username)
      await target.fill('#password', `${username}-password`)
      await Promise.all([
        target.waitForNavigation(),
        target.click('form[data-prompt="login"] button.primary'),
      ])
    } else if (await target.locator('form[data-prompt="consent"]').count()) {
      await Promise.all([
        target.waitForNavigation(),
        target.click('form[data-prompt="consent"] button.primary'),
      ])
    } else if (await target.locator('button.primary').count()) {
      await Promise.all([target.waitForNavigation(), target.click('button.primary')])
    } else return
  }
}

async function expectJwtsValid(minimum: number): Promise<void> {
  const results = page.locator('[data-testid="jwt-verify"]')
  await expect.poll(() => results.count()).toBeGreaterThanOrEqual(minimum)
  for (const result of await results.all()) {
    await expect.poll(() => result.getAttribute('data-result'), { timeout: 10_000 }).toBe('valid')
  }
}

const text = async (testid: string): Promise<string> =>
  ((await page.locator(`[data-testid="${testid}"]`).first().textContent()) ?? '').trim()
const attr = (testid: string, name: string) =>
  page.locator(`[data-testid="${testid}"]`).first().getAttribute(name)

async function expectLastStatus(status: number): Promise<void> {
  await expect
    .poll(() => page.locator('[data-testid="status"]').last().textContent(), { timeout: 15_000 })
    .toBe(String(status))
}

/** No diagram label leaves its diagram or its lane box, and the page never scrolls sideways. */
async function expectNoOverflow(): Promise<void> {
  const problems = await page.evaluate(() => {
    const out: string[] = []
    for (const svg of document.querySelectorAll<SVGSVGElement>('svg.diagram')) {
      const width = svg.viewBox.baseVal.width
      for (const text of svg.querySelectorAll<SVGTextElement>('text')) {
        const box = text.getBBox()
        if (box.x < 0 || box.x + box.width > width) {
          out.push(`diagram label "${text.textContent}" leaves the diagram`)
        }
        const lane = text.matches('.lane-t, .lane-s')
          ? [...svg.querySelectorAll<SVGRectElement>('rect.lane')].find((rect) => {
              const r = rect.getBBox()
              return r.x <= box.x + box.width / 2 && box.x + box.width / 2 <= r.x + r.width
            })
          : undefined
        if (lane) {
          const r = lane.getBBox()
          if (box.x < r.x + 3 || box.x + box.width > r.x + r.width - 3) {
            out.push(`lane label "${text.textContent}" is wider than its box`)
          }
        }
      }
    }
    const root = document.documentElement
    if (root.scrollWidth > root.clientWidth) out.push('the page scrolls horizontally')
    return out
  })
  expect(problems).toEqual([])
}

async function shot(name: string): Promise<void> {
  await expectNoOverflow()
  await page.evaluate(() => window.scrollTo(0, 0))
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
}

/**
 * The resource call (200), then the wrong-scope (403) and expired-token (401) refusals; a
 * screenshot named `name`. `last`: the tour ends here.
 */
async function apiStep(index: number, name: string, { last = true } = {}): Promise<void> {
  await next(index)
  await expectLastStatus(200)
  expect(await page.locator('.exchange').last().textContent()).toContain('here is your profile')
  await page.click('[data-testid="api-wrong-scope"]')
  await expectLastStatus(403)
  const refusal = (await page.locator('.exchange').last().textContent()) ?? ''
  expect(refusal).toContain('insufficient_scope')
  expect(refusal).toContain('www-authenticate')
  const token = await page.evaluate(
    () =>
      JSON.parse(sessionStorage.getItem('oauthkit-playground') ?? '{}').data.tokens.access_token,
  )
  await page.click('[data-testid="api-expired"]')
  await expectLastStatus(401)
  expect(await page.locator('.exchange').last().textContent()).toContain('the access token expired')
  // The expired token is minted for the tour token's client, subject and scope, already expired.
  expect(await text('expired-how')).toContain('lifetime is already over')
  expect(await text('expired-how')).toContain('ttl: -120')
  const expired = page.locator('#api-extra [data-testid="jwt-encoded"]')
  const decode = (jwt: string) =>
    JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString())
  const [mine, minted] = [decode(token), decode(await expired.inputValue())]
  for (const claim of ['iss', 'aud', 'client_id', 'sub', 'scope']) {
    expect(minted[claim], claim).toEqual(mine[claim])
  }
  expect(minted.exp).toBeLessThan(Date.now() / 1000 - 100)
  await expect
    .poll(() => page.locator('#api-extra [data-testid="jwt-verify"]').getAttribute('data-result'))
    .toBe('invalid')
  expect(await page.locator('#api-extra [data-testid="jwt-verify"]').textContent()).toContain(
    'the token expired',
  )
  if (last) await page.waitForSelector('[data-testid="tour-done"]')
  await shot(name)
}

describe('playground', () => {
  it('links the React example, which signs in through this server and calls its API', async () => {
    await page.goto(playground.url)
    await page.click('[data-testid="react-example"]')
    await page.waitForURL(`${origin}/react/`)
    await page.click('a[href="/react/orders"]') // protected: RequireAuth starts the login
    await page.waitForURL((url) => !url.href.startsWith(origin))
    await signIn(page)
    await page.locator('[data-testid="load-orders"]').click()
    const orders = JSON.parse((await page.locator('[data-testid="orders"]').textContent()) ?? '')
    expect(orders).toMatchObject({ sub: 'user-alice' })
    expect(new URL(page.url()).pathname).toBe('/react/orders')
  })

  it('home lists every grant and the comparison table closes the tour', async () => {
    await page.goto(playground.url)
    await page.waitForSelector('.cards')
    for (const id of [
      'spa',
      'web',
      'implicit',
      'client-credentials',
      'password',
      'refresh',
      'device',
      'pkce',
      'jwe',
      'signing',
    ]) {
      expect(await page.locator(`[data-testid="start-${id}"]`).count()).toBe(1)
    }
    // The four roles of the seed notes, and that the authorization server may be the resource server.
    for (const [role, name] of [
      ['owner', 'Resource owner'],
      ['client', 'Client'],
      ['as', 'Authorization server'],
      ['rs', 'Resource server'],
    ]) {
      expect(await text(`role-${role}`)).toContain(name)
    }
    expect(await text('same-server')).toContain('may be the same server as the resource server')
    // The security mechanisms, each linking to the tour that shows it.
    const mechanisms = {
      expiration: 'client-credentials',
      scopes: 'spa',
      encryption: 'jwe',
      'code-exchange': 'web',
      pkce: 'pkce',
      signatures: 'signing',
    }
    for (const [id, tour] of Object.entries(mechanisms)) {
      expect(await attr(`mech-link-${id}-${tour}`, 'href')).toBe(`#/${tour}`)
    }
    await shot('home')
    await page.click('[data-testid="mech-link-encryption-jwe"]')
    await page.waitForSelector('[data-testid="next"]')
    expect(await page.locator('.stepper h2').textContent()).toBe('Encrypted tokens (JWE)')
    await page.goto(playground.url)
    await page.click('[data-testid="compare-link"]')
    const table = await page.locator('[data-testid="comparison"]').textContent()
    expect(table).toContain('deprecated')
    expect(table).toContain('Implicit')
    await shot('comparison')
  })

  it('authorization code + PKCE (SPA) through the SDK, tokens verified, resource granted and refused', async () => {
    await startTour('spa')
    await next(0)
    expect(await page.locator('.output').textContent()).toContain('code_challenge')
    expect(await page.locator('.output').textContent()).toContain('@oauthkit/browser')
    await page.click('[data-testid="next"]')
    await signIn(page)
    await waitDone(2)
    expect(await page.locator('.output').textContent()).toContain('state matches')
    await next(3)
    await expectLastStatus(200)
    // The user as auth.getUser() gives it, from the ID token
    expect(await page.locator('[data-testid="signed-in-as"]').textContent()).toMatch(
      /^(Alice Liddell|user-alice)$/,
    )
    await next(4)
    await expectJwtsValid(2)
    await apiStep(5, 'spa')
  })

  it('authorization code without PKCE, with a client secret (masked), on the server', async () => {
    await startTour('web')
    await next(0)
    expect(await page.locator('.params').textContent()).not.toContain('code_challenge')
    await page.click('[data-testid="next"]')
    await signIn(page, 'bob')
    await waitDone(2)
    await next(3)
    const exchange = (await page.locator('.exchange').last().textContent()) ?? ''
    expect(exchange).toContain('Basic base64(web:')
    expect(exchange).not.toContain('web-secret')
    expect(await page.locator('.masked').count()).toBeGreaterThan(0)
    await next(4)
    await expectJwtsValid(2)
    await apiStep(5, 'web')
  })

  it('implicit: the access token arrives in the fragment and is visible in the address bar', async () => {
    await startTour('implicit')
    await next(0)
    await page.click('[data-testid="next"]')
    await signIn(page)
    await waitDone(2)
    expect(page.url()).toContain('#')
    expect(page.url()).toContain('access_token=')
    expect(await page.locator('[data-testid="address-bar"] mark').count()).toBe(1)
    expect(await page.locator('.compare').textContent()).toContain('Code flow callback')
    await shot('implicit-leak')
    await next(3)
    await expectJwtsValid(2)
    await apiStep(4, 'implicit')
  })

  it('client credentials: a service token, verified, and refused for the wrong scope', async () => {
    await startTour('client-credentials')
    await next(0)
    expect(await page.locator('.masked').textContent()).toContain('client secret')
    await next(1)
    await expectJwtsValid(1)
    expect(await page.locator('.claims').textContent()).toContain('api:read')
    await apiStep(2, 'client-credentials')
  })

  it('editing one character of a JWT payload makes verification fail', async () => {
    await startTour('client-credentials')
    await next(0)
    await next(1)
    await expectJwtsValid(1)
    const textarea = page.locator('[data-testid="jwt-encoded"]').first()
    const token = await textarea.inputValue()
    const [header, payload, signature] = token.split('.') as [string, string, string]
    const i = Math.floor(payload.length / 2)
    const tampered = `${header}.${payload.slice(0, i)}${payload[i] === 'A' ? 'B' : 'A'}${payload.slice(i + 1)}.${signature}`
    await textarea.fill(tampered)
    const verify = page.locator('[data-testid="jwt-verify"]').first()
    await expect.poll(() => verify.getAttribute('data-result')).toBe('invalid')
    expect(await verify.textContent()).toContain('signature verification failed')
    await shot('tampered-jwt')
    await textarea.fill(token)
    await expect.poll(() => verify.getAttribute('data-result')).toBe('valid')
  })

  it('password: the client sees the password; a JWT the API verifies, then an opaque token it introspects', async () => {
    await startTour('password')
    await next(0)
    await next(1)
    expect(await page.locator('[data-testid="password-seen"]').textContent()).toContain(
      'alice-password',
    )
    const request = (await page.locator('.exchange').last().textContent()) ?? ''
    expect(request).toContain('password=alice-password')
    expect(request).toContain('resource=')
    await next(2)
    await expectJwtsValid(2) // the ID token and the RFC 9068 access token
    // With `resource`, the API verifies the JWT itself: no introspection.
    await apiStep(3, 'password-jwt', { last: false })
    const answer = (await page.locator('.exchange').first().textContent()) ?? ''
    expect(answer).toContain('createAccessTokenVerifier')
    expect(answer).not.toContain('introspection')
    // The same grant without `resource`: an opaque token.
    await next(4)
    const opaqueRequest = (await page.locator('.exchange').last().textContent()) ?? ''
    expect(opaqueRequest).toContain('grant_type=password')
    expect(opaqueRequest).not.toContain('resource=')
    expect(await attr('opaque-token', 'data-jwt')).toBe('false')
    expect(await page.locator('.output [data-testid="jwt"]').count()).toBe(0)
    await shot('password-opaque')
    // The resource server introspects it (RFC 7662), then answers.
    await next(5)
    const [introspection, call] = await page.locator('.exchange').all()
    const introspectionText = (await introspection?.textContent()) ?? ''
    expect(introspectionText).toContain('/token/introspection')
    expect(introspectionText).toContain('Basic base64(service:')
    expect(introspectionText).not.toContain('service-secret')
    expect(introspectionText).toContain('"active": true')
    expect(await attr('introspection-active', 'data-ok')).toBe('true')
    expect(await text('introspection-active')).toContain('user-alice')
    expect(await call?.getAttribute('data-status')).toBe('200')
    expect(await text('introspection-granted')).toContain('token introspection (RFC 7662)')
    await page.waitForSelector('[data-testid="tour-done"]')
    await shot('password')
  })

  it('refresh token rotation: the old refresh token is refused afterwards', async () => {
    await startTour('refresh')
    await next(0)
    await next(1)
    expect(await page.locator('[data-testid="rotated"]').textContent()).toContain('rotated')
    await next(2)
    expect(await page.locator('[data-testid="refused"]').textContent()).toContain('invalid_grant')
    await expectLastStatus(400)
    await next(3)
    await expectLastStatus(400)
    await page.waitForSelector('[data-testid="tour-done"]')
    await shot('refresh')
  })

  it('device authorization: user code, visible polling, approval in a second tab', async () => {
    await startTour('device')
    await next(0)
    const userCode = await page.locator('[data-testid="user-code"]').textContent()
    expect(userCode?.trim().length).toBeGreaterThan(4)
    const link = await page.locator('[data-testid="verification-link"]').getAttribute('href')
    await page.click('[data-testid="next"]')
    await page.waitForSelector('[data-testid="poll"]')
    const tab = await context.newPage()
    await tab.goto(link as string)
    await signIn(tab)
    expect(await tab.locator('body').textContent()).toContain('Device connected')
    await tab.close()
    await waitDone(1)
    expect(await page.locator('[data-testid="poll"]').first().textContent()).toContain(
      'authorization_pending',
    )
    await next(2)
    await expectJwtsValid(2)
    await apiStep(3, 'device')
  })

  it('PKCE: verifier, S256 challenge, and a stolen code refused without the verifier', async () => {
    await startTour('pkce')
    await next(0)
    const verifier = await page.locator('[data-testid="verifier"]').textContent()
    expect(verifier?.trim()).toMatch(/^[\w-]{43}$/)
    await next(1)
    expect(await page.locator('.output').textContent()).toContain('equals the server-side client')
    await page.click('[data-testid="next"]')
    await signIn(page)
    await waitDone(3)
    await next(4)
    expect(await page.locator('[data-testid="refused"]').textContent()).toContain('invalid_grant')
    await expectLastStatus(400)
    await next(5)
    await expectLastStatus(200)
    await expectJwtsValid(2)
    await page.waitForSelector('[data-testid="tour-done"]')
    await shot('pkce')
  })
  it('token encryption: a JWE next to a JWS, gibberish without the key, decrypted by the resource server', async () => {
    await startTour('jwe')
    await next(0)
    const kid = await text('enc-kid')
    expect(kid).toMatch(/^rs-enc-/)
    await next(1)
    await expectJwtsValid(1)
    expect(await text('jws-readable')).toContain('without any key')
    expect(await text('jwt-readable')).toContain('anyone who holds this token can read')
    await next(2)
    expect(await attr('jwe', 'data-segments')).toBe('5')
    const encoded = await text('jwe-encoded')
    expect(encoded.split('.')).toHaveLength(5)
    const header = JSON.parse(await text('jwe-header'))
    expect(header).toMatchObject({ alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'at+jwt', kid })
    // The protected header the page shows is the token's first segment, decoded.
    expect(
      JSON.parse(Buffer.from(encoded.split('.')[0] as string, 'base64url').toString()),
    ).toEqual(header)
    expect(await text('jws-segments')).toBe('3')
    expect(await text('jwe-segments')).toBe('5')
    expect(await text('jwe-how')).toContain('devServer.mintAccessToken(')
    await shot('jwe-token')
    await next(3)
    expect(await text('jwe-decode-error')).toContain('Compact JWS')
    const gibberish = await text('jwe-gibberish')
    expect(gibberish.length).toBeGreaterThan(100)
    for (const readable of ['"sub"', 'service', 'api:read', 'eyJ']) {
      expect(gibberish).not.toContain(readable)
    }
    expect(await text('jwe-not-json')).toContain('not JSON')
    expect(await text('jwe-wrong-key')).toContain('decryption operation failed')
    for (const id of ['jwe-decode-error', 'jwe-not-json', 'jwe-wrong-key']) {
      expect(await attr(id, 'data-ok')).toBe('true')
    }
    await shot('jwe-gibberish')
    await next(4)
    expect(await text('jwe-cek')).toMatch(/^[0-9a-f]{64}$/)
    expect(await attr('jwe-sdk-agrees', 'data-ok')).toBe('true')
    expect(await text('jwe-sdk-agrees')).toContain('createAccessTokenVerifier')
    // The decrypted plaintext is a signed access token, verified against the dev server's JWKS.
    await expectJwtsValid(1)
    const inner = await page.locator('[data-testid="jwt-encoded"]').last().inputValue()
    expect(inner.split('.')).toHaveLength(3)
    expect(
      JSON.parse(Buffer.from(inner.split('.')[1] as string, 'base64url').toString()),
    ).toMatchObject({ client_id: 'service', scope: 'api:read' })
    await shot('jwe-decrypt')
    await next(5)
    await expectLastStatus(200)
    expect(await text('jwe-granted')).toContain('decrypted (RSA-OAEP-256, A256GCM)')
    await page.waitForSelector('[data-testid="tour-done"]')
    await shot('jwe')
  })

  it('signing: HS256 and RS256 with every value recomputed, forgery, and algorithm confusion refused', async () => {
    await startTour('signing')
    await next(0)
    const secret = Buffer.from(await text('hs-secret'), 'base64url')
    expect(secret).toHaveLength(32)
    expect(await text('who-holds')).toContain('verify and sign')
    await next(1)
    const hsInput = await text('hs-signing-input')
    const mac = createHmac('sha256', secret).update(hsInput).digest()
    expect(await text('hs-mac')).toBe(mac.toString('hex'))
    expect(await text('hs-token')).toBe(`${hsInput}.${mac.toString('base64url')}`)
    const decode = (segment: string) => JSON.parse(Buffer.from(segment, 'base64url').toString())
    const [hsHeader, hsPayload] = hsInput.split('.') as [string, string]
    expect(decode(hsHeader)).toEqual({ alg: 'HS256', typ: 'JWT' })
    expect(decode(hsPayload)).toMatchObject({ sub: 'user-alice', roles: ['reader'] })
    await shot('signing-hs256')
    await next(2)
    const rsInput = await text('rs-signing-input')
    const [rsHeader, rsPayload] = rsInput.split('.') as [string, string]
    expect(decode(rsHeader)).toMatchObject({ alg: 'RS256' })
    expect(rsPayload).toBe(hsPayload)
    const hash = createHash('sha256').update(rsInput).digest('hex')
    expect(await text('rs-hash')).toBe(hash)
    expect(await text('rs-signature-hex')).toMatch(/^[0-9a-f]{512}$/)
    await next(3)
    expect(await text('hs-mine')).toBe(await text('hs-theirs'))
    expect(await attr('hs-match', 'data-ok')).toBe('true')
    expect(await attr('hs-jose', 'data-ok')).toBe('true')
    expect(await attr('hs-tampered', 'data-ok')).toBe('false')
    await next(4)
    expect(await text('rs-recomputed')).toBe(hash)
    expect(await text('rs-recovered-hash')).toBe(hash)
    expect(await text('rs-opened')).toMatch(/^0001ffffffff/)
    for (const id of ['rs-match', 'rs-webcrypto', 'rs-jose']) {
      expect(await attr(id, 'data-ok')).toBe('true')
    }
    expect(await attr('rs-tampered', 'data-ok')).toBe('false')
    await shot('signing-rs256')
    await next(5)
    expect(await attr('forge-hs', 'data-accepted')).toBe('true')
    expect(await text('forge-rs-public')).toContain('impossible')
    expect(await attr('forge-rs', 'data-accepted')).toBe('false')
    await shot('signing-forge')
    await next(6)
    expect(await attr('naive-result', 'data-accepted')).toBe('true')
    expect(await text('allowlist-result')).toContain('ERR_JOSE_ALG_NOT_ALLOWED')
    expect(decode((await text('confused-token')).split('.')[0] as string)).toMatchObject({
      alg: 'HS256',
    })
    await expectLastStatus(401)
    expect(await attr('api-confusion', 'data-ok')).toBe('true')
    expect(await page.locator('.exchange').last().textContent()).toContain('invalid_token')
    await page.waitForSelector('[data-testid="tour-done"]')
    await shot('signing')
  })

  it('Backend for Frontend: login, the HttpOnly cookie, the proxied call, an injected script, logout; no token reaches the page', async () => {
    const ok = (testid: string) => attr(testid, 'data-ok')
    await startTour('bff')
    await next(0)
    expect(await text('bff-user-before')).toContain('Anonymous')
    await page.click('[data-testid="next"]')
    await signIn(page)
    await waitDone(2)
    expect(await ok('bff-clean-url')).toBe('true')
    expect(await ok('bff-user')).toBe('true')
    expect(await text('bff-signed-in-as')).toMatch(/^(Alice Liddell|user-alice)$/)
    expect(await text('bff-set-cookie')).toMatch(
      /^oauthkit-login=; .*\noauthkit-session=•••\(43 characters\); Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/,
    )
    const [cookie] = (await context.cookies()).filter((c) => c.name === 'oauthkit-session')
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' })
    // The real tokens, from the BFF's store (keyed by the cookie value's SHA-256): none of them
    // may appear anywhere a script in the page can look, nor in the page itself.
    const key = createHash('sha256')
      .update(cookie?.value ?? '')
      .digest('base64url')
    const { tokenSet } = await playground.bff.client.getSession(key)
    const secrets = [tokenSet.accessToken, tokenSet.refreshToken, tokenSet.idToken]
    expect(secrets.every((s) => typeof s === 'string' && s.length > 16)).toBe(true)
    const pageCanSee = () =>
      page.evaluate(async () => {
        const dump: unknown[] = [document.cookie, document.documentElement.outerHTML]
        for (const storage of [localStorage, sessionStorage]) {
          for (let i = 0; i < storage.length; i++) {
            const name = storage.key(i) ?? ''
            dump.push(name, storage.getItem(name))
          }
        }
        for (const { name } of await indexedDB.databases()) {
          const db = await new Promise<IDBDatabase>((resolve, reject) => {
            const open = indexedDB.open(name ?? '')
            open.onsuccess = () => resolve(open.result)
            open.onerror = () => reject(open.error)
          })
          for (const store of db.objectStoreNames) {
            const all = db.transaction(store).objectStore(store).getAll()
            dump.push(await new Promise((resolve) => (all.onsuccess = () => resolve(all.result))))
          }
          db.close()
        }
        return JSON.stringify(dump)
      })
    const expectNoToken = async () => {
      const seen = await pageCanSee()
      for (const secret of secrets) expect(seen.includes(secret as string)).toBe(false)
      expect(seen).not.toMatch(/eyJ[\w-]{8,}\.eyJ[\w-]{8,}\./)
    }
    await expectNoToken()
    await next(3)
    expect(await ok('bff-storage-clean')).toBe('true')
    expect(await text('bff-document-cookie')).not.toContain('oauthkit-session')
    await next(4)
    await expectLastStatus(200)
    expect(await page.locator('.exchange').last().textContent()).toContain('here is your profile')
    for (const id of ['bff-no-token-sent', 'bff-token-added', 'bff-cookie-stripped']) {
      expect(await ok(id), id).toBe('true')
    }
    expect(await text('bff-browser-sent')).toContain('x-oauthkit-csrf: 1')
    expect(await text('bff-api-received')).toMatch(
      /authorization: Bearer eyJ\S{7}…\(\d+ characters/,
    )
    await next(5)
    for (const id of ['bff-xss-call', 'bff-xss-no-header', 'bff-xss-read', 'bff-xss-cookie']) {
      expect(await ok(id), id).toBe('true')
    }
    await expectNoToken()
    await shot('bff')
    // Logout: the BFF revokes and the page goes through the devserver's end-session page.
    const grantsBefore = playground.devServer.liveRefreshTokens().length
    await page.click('[data-testid="next"]')
    await page.waitForURL((url) => !url.href.startsWith(origin))
    await Promise.all([
      page.waitForURL(`${origin}/**`),
      page.click('button[name=logout][value=yes]'),
    ])
    await waitDone(7)
    expect(await ok('bff-logged-out')).toBe('true')
    expect(await ok('bff-revoked')).toBe('true')
    expect(playground.devServer.liveRefreshTokens().length).toBeLessThan(grantsBefore)
    expect((await context.cookies()).some((c) => c.name === 'oauthkit-session')).toBe(false)
    await expectNoToken()
    await page.waitForSelector('[data-testid="tour-done"]')
  })

  it('seed notes map: every item has a README row, and every place it names exists', async () => {
    const readme = readFileSync(join(import.meta.dirname, '../README.md'), 'utf8')
    const section = readme.split('## What the seed notes teach, and where')[1]?.split('\n## ')[0]
    expect(section).toBeDefined()
    const rows = (section as string)
      .split('\n')
      .filter((line) => /^\| [^-]/.test(line) && !line.startsWith('| Seed notes'))
      .map((line) => line.split(' | ').map((cell) => cell.replace(/^\| |\s*\|$/g, '').trim()))
    // Every item of the seed notes has a row (a phrase of each, as the notes word it).
    const items = [
      'without sharing usernames and passwords',
      'Resource Owner',
      'Key components: Client',
      'Resource Server',
      'Key components: Authorization Server',
      'may be the same as the Resource Server',
      'Authorization Code Grant: Client Requests Authorization',
      'Authorization Code Grant: User Authorizes the Client',
      'Authorization Code Grant: Authorization Code Issued',
      'Authorization Code Grant: Client Exchanges Code for Access Token',
      'Authorization Code Grant: Client Accesses Resource',
      'Implicit Grant: Client Requests Authorization',
      'Implicit Grant: User Authorizes',
      'Implicit Grant: Client Accesses Resource',
      'exposed in the URL',
      'Client Credentials Grant: Client Requests Access Token',
      'Client Credentials Grant: Access Token Issued',
      'Client Credentials Grant: Client Accesses Resource',
      'Password Grant: Client Sends Credentials',
      'Password Grant: Access Token Issued',
      'Password Grant: Client Accesses Resource',
      'shares credentials with the client',
      'Refresh Token: Client Sends Refresh Token',
      'Refresh Token: Access Token Issued',
      'Access Token Expiration',
      'Scopes',
      'Token Encryption',
      'Authorization Code Exchange',
      'PKCE',
      'JWT Header',
      'JWT Payload',
      'JWT Signature',
      'verifies the signature',
      'signs with a private key',
      'uses the public key to decode the signature',
      'hash is recalculated',
      'Access Granting',
    ]
    for (const item of items) {
      expect(
        rows.some(([seed]) => seed?.includes(item)),
        `README row for “${item}”`,
      ).toBe(true)
    }
    // Every place: `#/route` then `testid` or “Step title”.
    const places = new Map<string, { testids: Set<string>; steps: Set<string> }>()
    for (const [seed, , where] of rows) {
      const found = [...(where ?? '').matchAll(/`#\/([\w-]*)` (?:`([\w-]+)`|“([^”]+)”)/g)]
      expect(found.length, `a place for “${seed}”`).toBeGreaterThan(0)
      for (const [, route = '', testid, step] of found) {
        const place = places.get(route) ?? { testids: new Set(), steps: new Set() }
        if (testid) place.testids.add(testid)
        if (step) place.steps.add(step)
        places.set(route, place)
      }
    }
    const missing: string[] = []
    for (const [route, { testids, steps }] of places) {
      await page.goto(`${playground.url}#/${route}`)
      await page.waitForSelector(
        route === '' ? '.cards' : route === 'compare' ? 'table' : '.stepper',
      )
      for (const testid of testids) {
        if (!(await page.locator(`[data-testid="${testid}"]`).isVisible())) {
          missing.push(`#/${route} ${testid}`)
        }
      }
      const titles = (await page.locator('.stepper li button').allTextContents()).join('\n')
      for (const step of steps) {
        if (!titles.includes(step)) missing.push(`#/${route} “${step}”`)
      }
    }
    expect(missing).toEqual([])
    expect(places.size).toBeGreaterThanOrEqual(11)
  })
})
