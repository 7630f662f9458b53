import * as core from '@oauthkit/core'
import { OAuthKitError, OAuthResponseError } from '@oauthkit/core'
import * as internal from '@oauthkit/core/internal'
import {
  abortError,
  accessDenied,
  assertIssuer,
  raceSignal,
  toHttpOptions,
  toUrl,
} from '@oauthkit/core/internal'
import { describe, expect, it } from 'vitest'

describe('the two entries', () => {
  const plumbing = [
    'invalidArgument',
    'rethrow',
    'requestOptionsFor',
    'withDPoPRetry',
    'toRequestOptions',
    'toTokenResult',
    'base64UrlDecode',
    'abortError',
    'raceSignal',
    'toHttpOptions',
    'assertIssuer',
    'accessDenied',
    'isCryptoKey',
  ]

  it('keeps the plumbing off the public entry and on /internal', () => {
    for (const name of plumbing) {
      expect(Object.keys(core), name).not.toContain(name)
      expect(Object.keys(internal), name).toContain(name)
    }
  })

  it('keeps what applications use on the public entry', () => {
    expect(Object.keys(core)).toEqual(
      expect.arrayContaining([
        'discover',
        'limitedFetch',
        'toOAuthKitError',
        'createSingleFlight',
        'DEFAULT_TIMEOUT',
        'DEFAULT_MAX_RESPONSE_BYTES',
      ]),
    )
  })
})

describe('abortError()', () => {
  it('is ERR_ABORTED with the reason as cause, named after the operation', () => {
    const controller = new AbortController()
    const reason = new Error('user quit')
    controller.abort(reason)
    const err = abortError(controller.signal, 'device login')
    expect(err).toBeInstanceOf(OAuthKitError)
    expect(err).toMatchObject({ code: 'ERR_ABORTED', message: 'device login was aborted' })
    expect(err.cause).toBe(reason)
    expect(abortError(AbortSignal.abort()).message).toBe('request was aborted')
    expect(abortError(undefined)).toMatchObject({ code: 'ERR_ABORTED' })
  })

  it('is ERR_TIMEOUT when the signal timed out', async () => {
    const signal = AbortSignal.timeout(1)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(abortError(signal)).toMatchObject({
      code: 'ERR_TIMEOUT',
      message: 'request timed out',
    })
  })
})

describe('raceSignal()', () => {
  it('settles like the promise when no signal fires', async () => {
    await expect(raceSignal(Promise.resolve(1), undefined)).resolves.toBe(1)
    await expect(raceSignal(Promise.resolve(1), new AbortController().signal)).resolves.toBe(1)
    const failure = new Error('x')
    await expect(raceSignal(Promise.reject(failure), new AbortController().signal)).rejects.toBe(
      failure,
    )
  })

  it('rejects only the caller whose signal fired, at once; the shared promise goes on', async () => {
    let resolve = (_value: string) => {}
    const shared = new Promise<string>((r) => {
      resolve = r
    })
    const controller = new AbortController()
    const a = raceSignal(shared, controller.signal)
    const b = raceSignal(shared, new AbortController().signal)
    controller.abort()
    await expect(a).rejects.toMatchObject({
      code: 'ERR_ABORTED',
      message: 'request was aborted',
    })
    resolve('done')
    await expect(b).resolves.toBe('done')
    await expect(shared).resolves.toBe('done')
  })

  it('rejects at once when the signal has already fired', async () => {
    const never = new Promise<never>(() => {})
    await expect(raceSignal(never, AbortSignal.abort())).rejects.toMatchObject({
      code: 'ERR_ABORTED',
    })
  })

  it('removes its listener once the promise settles', async () => {
    const controller = new AbortController()
    const { signal } = controller
    let listeners = 0
    const add = signal.addEventListener.bind(signal)
    const remove = signal.removeEventListener.bind(signal)
    signal.addEventListener = ((...args: Parameters<typeof add>) => {
      listeners++
      add(...args)
    }) as typeof add
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      listeners--
      remove(...args)
    }) as typeof remove
    await raceSignal(Promise.resolve(1), signal)
    await raceSignal(Promise.reject(new Error('x')), signal).catch(() => {})
    expect(listeners).toBe(0)
  })

  it('leaves no unhandled rejection when the shared promise fails after an abort', async () => {
    let reject = (_err: Error) => {}
    const shared = new Promise<never>((_resolve, r) => {
      reject = r
    })
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      const raced = raceSignal(shared, AbortSignal.abort())
      await expect(raced).rejects.toMatchObject({ code: 'ERR_ABORTED' })
      const controller = new AbortController()
      const late = raceSignal(shared, controller.signal)
      controller.abort()
      await expect(late).rejects.toMatchObject({ code: 'ERR_ABORTED' })
      reject(new Error('shared failure'))
      await new Promise((resolve) => setTimeout(resolve, 10))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
      shared.catch(() => {})
    }
  })
})

describe('toHttpOptions()', () => {
  it('keeps only the options that are set, allowInsecureRequests only when true', () => {
    const fetch = globalThis.fetch
    expect(toHttpOptions(undefined)).toEqual({})
    expect(toHttpOptions({})).toEqual({})
    expect(
      toHttpOptions({
        fetch,
        timeout: 5000,
        maxResponseBytes: 1024,
        allowInsecureRequests: true,
      }),
    ).toEqual({ fetch, timeout: 5000, maxResponseBytes: 1024, allowInsecureRequests: true })
    const plain = toHttpOptions({ allowInsecureRequests: false, timeout: undefined })
    expect(plain).toEqual({})
    expect(Object.keys(plain)).toEqual([])
  })

  it('never carries a signal or other options along', () => {
    const flat = { clientId: 'x', signal: AbortSignal.abort(), timeout: 10 }
    expect(toHttpOptions(flat)).toEqual({ timeout: 10 })
  })

  it('refuses bad values before any I/O, naming the option under its prefix', () => {
    expect(() => toHttpOptions({ fetch: 'no' as never }, 'options')).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARG_TYPE',
        message: '"options.fetch" must be a function',
      }),
    )
    expect(() => toHttpOptions({ timeout: '5' as never })).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARG_TYPE',
        message: '"timeout" must be a number',
      }),
    )
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => toHttpOptions({ maxResponseBytes: bad })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
      )
    }
    expect(() => toHttpOptions({ allowInsecureRequests: 'yes' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    )
  })
})

describe('toUrl()', () => {
  it('parses a string or copies a URL', () => {
    const given = new URL('https://app.example/callback')
    expect(toUrl(given, 'url')).not.toBe(given)
    expect(toUrl(given, 'url').href).toBe(given.href)
    expect(toUrl('https://app.example/callback?x=1', 'url').search).toBe('?x=1')
  })

  // A string is the right type even when empty: '' is a bad value, like any relative URL.
  const refusals: [unknown, string, string][] = [
    [undefined, 'ERR_INVALID_ARG_TYPE', '"url" must be a URL'],
    [42, 'ERR_INVALID_ARG_TYPE', '"url" must be a URL'],
    [{ href: 'https://app.example' }, 'ERR_INVALID_ARG_TYPE', '"url" must be a URL'],
    ['', 'ERR_INVALID_ARG_VALUE', '"url" must be an absolute URL'],
    ['/callback', 'ERR_INVALID_ARG_VALUE', '"url" must be an absolute URL'],
  ]
  for (const [value, code, message] of refusals) {
    it(`refuses ${JSON.stringify(value)} with ${code}`, () => {
      expect(() => toUrl(value, 'url')).toThrow(
        expect.objectContaining({ name: 'TypeError', code, message }),
      )
    })
  }
})

describe('assertIssuer()', () => {
  it('returns the issuer parsed: https, or http with allowInsecureRequests', () => {
    expect(assertIssuer('https://as.example.com')).toBeInstanceOf(URL)
    expect(assertIssuer('https://as.example.com/tenant').href).toBe('https://as.example.com/tenant')
    const given = new URL('https://as.example.com')
    const parsed = assertIssuer(given)
    expect(parsed.href).toBe(given.href)
    expect(parsed).not.toBe(given)
    expect(assertIssuer('http://localhost:3000', { allowInsecureRequests: true }).protocol).toBe(
      'http:',
    )
  })

  const refusals: [unknown, string, string?][] = [
    [undefined, 'ERR_INVALID_ARG_TYPE'],
    ['', 'ERR_INVALID_ARG_VALUE'],
    [42, 'ERR_INVALID_ARG_TYPE'],
    ['as.example.com', 'ERR_INVALID_ARG_VALUE'],
    ['http://as.example.com', 'ERR_INVALID_ARG_VALUE', 'allowInsecureRequests'],
    ['ftp://as.example.com', 'ERR_INVALID_ARG_VALUE'],
    ['javascript:alert(1)', 'ERR_INVALID_ARG_VALUE'],
    ['https://as.example.com/?tenant=1', 'ERR_INVALID_ARG_VALUE'],
    ['https://as.example.com/?', 'ERR_INVALID_ARG_VALUE'],
    ['https://as.example.com/#x', 'ERR_INVALID_ARG_VALUE'],
  ]
  for (const [issuer, code, hint] of refusals) {
    it(`refuses ${JSON.stringify(issuer)} with ${code}, naming "issuer" and not the value`, () => {
      let caught: unknown
      try {
        assertIssuer(issuer)
      } catch (err) {
        caught = err
      }
      expect(caught).toBeInstanceOf(TypeError)
      expect(caught).toMatchObject({ code })
      const { message } = caught as TypeError
      expect(message).toMatch(/^"issuer" must be /)
      if (typeof issuer === 'string' && issuer) expect(message).not.toContain(issuer)
      if (hint) expect(message).toContain(hint)
    })
  }

  it('names the parameter it is told to', () => {
    expect(() => assertIssuer('http://as.example.com', { name: 'options.issuer' })).toThrow(
      /^"options\.issuer" must be an https: URL/,
    )
  })
})

describe('accessDenied()', () => {
  it('turns access_denied into ERR_ACCESS_DENIED, keeping the wire fields', () => {
    const denied = new OAuthResponseError('server responded with "access_denied"', {
      error: 'access_denied',
      error_description: 'user said no',
      status: 400,
    })
    const err = accessDenied(denied, 'the user declined')
    expect(err).toBeInstanceOf(OAuthResponseError)
    expect(err).toMatchObject({
      code: 'ERR_ACCESS_DENIED',
      message: 'the user declined',
      error: 'access_denied',
      error_description: 'user said no',
      status: 400,
    })
    expect((err as Error).cause).toBe(denied)
  })

  it('leaves status out for a front-channel denial, and other errors unchanged', () => {
    const front = new OAuthResponseError('x', { error: 'access_denied' })
    const err = accessDenied(front) as OAuthResponseError
    expect(err.message).toBe('the user denied the authorization request')
    expect(Object.hasOwn(err, 'status')).toBe(false)
    const other = new OAuthResponseError('x', { error: 'invalid_grant' })
    expect(accessDenied(other)).toBe(other)
    const plain = new OAuthKitError('x', { code: 'ERR_NETWORK' })
    expect(accessDenied(plain)).toBe(plain)
    const arg = new TypeError('x')
    expect(accessDenied(arg)).toBe(arg)
  })
})
