import { describe, expect, it } from 'vitest'
import { escapeHtml } from '../src/escape-html.js'
import { renderConsentPage, renderLoginPage } from '../src/html-pages.js'

const hostile = '<script>alert("x")</script>\'&'

describe('HTML pages escape everything dynamic', () => {
  it('escapeHtml', () => {
    expect(escapeHtml(hostile)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;')
  })

  it('login page', () => {
    const html = renderLoginPage({
      uid: 'abc',
      clientName: hostile,
      users: [{ username: hostile, password: hostile, sub: 's', claims: { name: hostile } }],
      error: hostile,
      username: hostile,
    })
    expect(html).not.toContain('<script>')
    expect(html).toContain('data-prompt="login"')
    expect(html).toContain('action="/interaction/abc/login"')
  })

  it('consent page lists scopes and API permissions', () => {
    const html = renderConsentPage({
      uid: 'abc',
      clientName: hostile,
      username: 'alice',
      scopes: ['openid', 'email', hostile],
      claims: [],
      resources: { 'http://127.0.0.1/api': ['api:read'] },
    })
    expect(html).not.toContain('<script>')
    expect(html).toContain('<code>email</code>')
    expect(html).toContain('<code>api:read</code> on <code>http://127.0.0.1/api</code>')
  })
})
