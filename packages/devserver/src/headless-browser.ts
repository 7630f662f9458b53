import { CookieJar } from './cookie-jar.js'
import { type DevServerUser, findUser } from './default-users.js'
import { DevServerError } from './dev-server-error.js'

/** Options for `server.login()`. */
export interface LoginOptions {
  /** Username of the test user to sign in as (default: the first user). */
  user?: string
  /** Cookie jar to use; pass one to several calls to keep the SSO session. Default: a fresh jar. */
  cookies?: CookieJar
  /** Press "Cancel"/"Deny" instead, so the callback carries `error=access_denied`. */
  deny?: boolean
  /** Use this password instead of the user's (to test a failed login, which throws). */
  password?: string
}

/** Options for `server.logout()`. */
export interface LogoutOptions {
  /** Cookie jar holding the session to end (the one given to `login()`). Default: a fresh jar. */
  cookies?: CookieJar
}

const MAX_STEPS = 20
const REDIRECTS = new Set([301, 302, 303, 307, 308])

const stripTags = (html: string): string =>
  html
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()

/** Drives the server's HTML pages with `fetch` like a browser would, without following redirects. */
export class HeadlessBrowser {
  readonly #origin: string
  readonly #users: readonly DevServerUser[]

  constructor(issuer: string, users: readonly DevServerUser[]) {
    this.#origin = new URL(issuer).origin
    this.#users = users
  }

  async #request(jar: CookieJar, url: URL, form?: Record<string, string>): Promise<Response> {
    const headers: Record<string, string> = {}
    const cookie = jar.header()
    if (cookie) headers.cookie = cookie
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded'
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      headers,
      body: form ? new URLSearchParams(form) : undefined,
      redirect: 'manual',
    })
    jar.store(response)
    return response
  }

  async #fail(step: string, response: Response): Promise<never> {
    const text = stripTags(await response.text()).slice(0, 300)
    throw new DevServerError(
      'ERR_LOGIN_FAILED',
      `${step} answered HTTP ${response.status}${text ? `: ${text}` : ''}`,
    )
  }

  /**
   * Follows an authorization request (RFC 6749 §4.1.1) through login and consent and returns the
   * URL the server redirects to at the client, with its query or fragment (implicit).
   */
  async login(authorizationUrl: string | URL, options: LoginOptions = {}): Promise<string> {
    const jar = options.cookies ?? new CookieJar()
    const user = findUser(this.#users, options.user)
    let current = new URL(authorizationUrl)
    if (current.origin !== this.#origin) {
      const error = new TypeError(
        'the "authorizationUrl" argument must point at this server',
      ) as TypeError & { code: string }
      error.code = 'ERR_INVALID_ARG_VALUE'
      throw error
    }
    for (let step = 0; step < MAX_STEPS; step++) {
      if (current.origin !== this.#origin) return current.href
      let response: Response
      if (/^\/interaction\/[\w-]+$/.test(current.pathname)) {
        const page = await this.#request(jar, current)
        if (page.status !== 200) await this.#fail('the interaction page', page)
        const prompt = /data-prompt="(\w+)"/.exec(await page.text())?.[1]
        if (options.deny) {
          response = await this.#request(jar, new URL(`${current.pathname}/abort`, current), {})
        } else if (prompt === 'login') {
          response = await this.#request(jar, new URL(`${current.pathname}/login`, current), {
            username: user.username,
            password: options.password ?? user.password,
          })
          if (response.status === 401) {
            throw new DevServerError(
              'ERR_LOGIN_FAILED',
              'login refused: wrong username or password',
            )
          }
        } else if (prompt === 'consent') {
          response = await this.#request(jar, new URL(`${current.pathname}/confirm`, current), {})
        } else {
          throw new DevServerError('ERR_LOGIN_FAILED', 'unexpected interaction page')
        }
      } else {
        response = await this.#request(jar, current)
      }
      const location = response.headers.get('location')
      if (!REDIRECTS.has(response.status) || location === null) {
        await this.#fail(`GET ${current.pathname}`, response)
      }
      await response.body?.cancel()
      current = new URL(location as string, current)
    }
    throw new DevServerError('ERR_LOGIN_FAILED', 'too many redirects')
  }

  /**
   * Follows an RP-initiated logout request (OIDC RP-Initiated Logout §2), confirming the logout
   * prompt, and returns the final URL: the `post_logout_redirect_uri` (with `state`) or the
   * server's signed-out page.
   */
  async logout(endSessionUrl: string | URL, options: LogoutOptions = {}): Promise<string> {
    const jar = options.cookies ?? new CookieJar()
    const url = new URL(endSessionUrl)
    const page = await this.#request(jar, url)
    if (page.status !== 200) await this.#fail('the end-session endpoint', page)
    const html = await page.text()
    const action = /<form[^>]*id="op\.logoutForm"[^>]*action="([^"]+)"/.exec(html)?.[1]
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1]
    if (!action || !xsrf) throw new DevServerError('ERR_LOGIN_FAILED', 'no logout form found')
    const confirm = await this.#request(jar, new URL(action.replaceAll('&amp;', '&'), url), {
      xsrf,
      logout: 'yes',
    })
    const location = confirm.headers.get('location')
    if (!REDIRECTS.has(confirm.status) || location === null) {
      await this.#fail('the logout confirmation', confirm)
    }
    await confirm.body?.cancel()
    return new URL(location as string, url).href
  }
}
