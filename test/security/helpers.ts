/**
 * Assertions shared by the security suite: every refusal is a typed oauthkit error with a code,
 * and no secret the test knows of appears anywhere in it.
 */
import { clearTimeout, setTimeout } from 'node:timers'
import { inspect } from 'node:util'
import { isOAuthKitError, type OAuthKitError } from '@oauthkit/core'
import { expect } from 'vitest'

/**
 * Awaits `promise`, expects it to reject with an oauthkit error, and returns the error. Fails
 * the test on a silent success, an untyped error, or a hang (via `timeout`, real time even under
 * fake timers: `node:timers` is not the patched global).
 */
export async function rejection(
  promise: Promise<unknown>,
  timeout = 5_000,
): Promise<OAuthKitError> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no settlement within ${timeout} ms`)), timeout)
  })
  let outcome: { ok: true; value: unknown } | { ok: false; error: unknown }
  try {
    outcome = { ok: true, value: await Promise.race([promise, hung]) }
  } catch (error) {
    outcome = { ok: false, error }
  } finally {
    clearTimeout(timer)
  }
  if (outcome.ok) throw new Error('expected a rejection, the call succeeded')
  const err = outcome.error
  if (err instanceof Error && err.message.startsWith('no settlement within')) throw err
  expect(isOAuthKitError(err), `not an OAuthKitError: ${inspect(err)}`).toBe(true)
  const typed = err as OAuthKitError
  expect(typeof typed.code).toBe('string')
  expect(typed.code.length).toBeGreaterThan(0)
  return typed
}

/** Every view of `err` a log line could contain. */
export function renderings(err: unknown): string[] {
  const views: string[] = [String(err), inspect(err, { depth: 10, showHidden: true })]
  try {
    views.push(JSON.stringify(err))
  } catch {}
  let current: unknown = err
  for (let depth = 0; depth < 6 && current; depth++) {
    if (current instanceof Error) {
      views.push(current.message, current.stack ?? '')
      try {
        views.push(JSON.stringify(current, Object.getOwnPropertyNames(current)))
      } catch {}
      current = (current as { cause?: unknown }).cause
    } else {
      views.push(inspect(current, { depth: 10 }))
      break
    }
  }
  return views
}

/** Asserts that none of `secrets` appears in any rendering of `err`. */
export function expectNoSecrets(err: unknown, secrets: Iterable<string | undefined>): void {
  const views = renderings(err)
  for (const secret of secrets) {
    if (!secret || secret.length < 8) continue
    for (const view of views) {
      if (view.includes(secret)) {
        throw new Error(
          `a secret (${secret.slice(0, 6)}…) leaked into the error: ${view.slice(0, 300)}`,
        )
      }
    }
  }
}

/** `rejection` plus the code check plus the leak check, the common case. */
export async function expectRefusal(
  promise: Promise<unknown>,
  code: string | RegExp,
  secrets: Iterable<string | undefined> = [],
  timeout?: number,
): Promise<OAuthKitError> {
  const err = await rejection(promise, timeout)
  if (typeof code === 'string') expect(err.code).toBe(code)
  else expect(err.code).toMatch(code)
  expectNoSecrets(err, secrets)
  return err
}

/** The code of `err`'s cause, for wrapped errors such as `ERR_DISCOVERY_FAILED`. */
export function causeCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown } }).cause
  return typeof cause?.code === 'string' ? cause.code : undefined
}
