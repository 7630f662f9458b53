import { DEFAULT_MAX_RESPONSE_BYTES, limitedFetch, OAuthKitError } from '@oauthkit/core'
import { describe, expect, it } from 'vitest'

describe('limitedFetch()', () => {
  it('passes small bodies through, status and headers kept', async () => {
    const fetch = limitedFetch(async () =>
      Response.json({ ok: true }, { status: 201, headers: { 'x-a': '1' } }),
    )
    const response = await fetch('https://as.example.com/token')
    expect(response.status).toBe(201)
    expect(response.headers.get('x-a')).toBe('1')
    expect(await response.json()).toEqual({ ok: true })
  })

  it('refuses a declared content-length above the cap without reading', async () => {
    let cancelled = false
    const body = new ReadableStream({
      cancel() {
        cancelled = true
      },
    })
    const fetch = limitedFetch(
      async () => new Response(body, { headers: { 'content-length': String(5_000_000) } }),
    )
    const err = await fetch('https://as.example.com/token?code=secret').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OAuthKitError)
    expect(err).toMatchObject({ code: 'ERR_RESPONSE_TOO_LARGE' })
    expect((err as Error).message).not.toContain('secret')
    expect(cancelled).toBe(true)
  })

  it('stops reading a streamed body once it passes the cap (1 MiB by default)', async () => {
    let pulled = 0
    const chunk = new Uint8Array(64 * 1024)
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += chunk.byteLength
        controller.enqueue(chunk)
      },
    })
    const fetch = limitedFetch(async () => new Response(endless))
    await expect(fetch('https://as.example.com/token')).rejects.toMatchObject({
      code: 'ERR_RESPONSE_TOO_LARGE',
    })
    expect(pulled).toBeLessThan(DEFAULT_MAX_RESPONSE_BYTES + 4 * chunk.byteLength)
  })

  it('honours a custom cap and keeps null-body statuses', async () => {
    const small = limitedFetch(async () => new Response('x'.repeat(11)), 10)
    await expect(small('https://a.example')).rejects.toMatchObject({
      code: 'ERR_RESPONSE_TOO_LARGE',
    })
    const empty = limitedFetch(async () => new Response(null, { status: 204 }))
    expect((await empty('https://a.example')).status).toBe(204)
  })
  it('hands back an identity body within its content-length untouched: framing bounds it', async () => {
    const original = new Response('{"ok":true}', { headers: { 'content-length': '11' } })
    const response = await limitedFetch(async () => original, 64)('https://as.example.com/token')
    expect(response).toBe(original)
  })

  it('counts a compressed body as it decodes: content-length says nothing of what it inflates to', async () => {
    // What fetch hands over after decoding a small gzip body that inflates past the cap.
    const inflated = new Uint8Array(4096).fill(0x61)
    const fetch = limitedFetch(
      async () =>
        new Response(inflated, {
          headers: { 'content-length': '40', 'content-encoding': 'gzip' },
        }),
      1024,
    )
    await expect(fetch('https://as.example.com/token')).rejects.toMatchObject({
      code: 'ERR_RESPONSE_TOO_LARGE',
    })
  })
})
