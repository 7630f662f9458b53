import { createSingleFlight } from '@oauthkit/core'
import { describe, expect, it } from 'vitest'

describe('createSingleFlight()', () => {
  it('shares one run among concurrent callers of the same key', async () => {
    const once = createSingleFlight<string, number>()
    let runs = 0
    const task = async () => {
      runs++
      await new Promise((resolve) => setTimeout(resolve, 5))
      return runs
    }
    const results = await Promise.all(Array.from({ length: 1000 }, () => once('k', task)))
    expect(runs).toBe(1)
    expect(new Set(results)).toEqual(new Set([1]))
    await once('other', task)
    expect(runs).toBe(2)
  })

  it('delivers a rejection to every waiter and does not cache it', async () => {
    const once = createSingleFlight<string, string>()
    let runs = 0
    const failing = async () => {
      runs++
      throw new Error('boom')
    }
    const settled = await Promise.allSettled(Array.from({ length: 10 }, () => once('k', failing)))
    expect(settled.every((s) => s.status === 'rejected')).toBe(true)
    expect(runs).toBe(1)
    await expect(once('k', async () => 'ok')).resolves.toBe('ok')
  })

  it('shares a task that throws synchronously', async () => {
    const once = createSingleFlight<string, string>()
    const sync = () => {
      throw new Error('sync')
    }
    const [a, b] = await Promise.allSettled([once('k', sync), once('k', sync)])
    expect(a).toMatchObject({ status: 'rejected' })
    expect(b).toMatchObject({ status: 'rejected' })
  })

  it('runs again after a success settles', async () => {
    const once = createSingleFlight<string, number>()
    let runs = 0
    await once('k', async () => ++runs)
    await once('k', async () => ++runs)
    expect(runs).toBe(2)
  })
})
