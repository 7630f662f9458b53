import { afterEach, describe, expect, it, vi } from 'vitest'
import { formatCountdown, formatRelativeTime } from '../src/format-relative-time.js'
import { defaultTokenFilePath } from '../src/index.js'
import { startCountdown } from '../src/start-countdown.js'

describe('formatRelativeTime', () => {
  const now = 1_700_000_000_000
  it.each([
    [0, 'now'],
    [1, 'in 1 second'],
    [59, 'in 59 seconds'],
    [3599, 'in 59 minutes'],
    [7200, 'in 2 hours'],
    [-86_400 * 3, '3 days ago'],
    [-31_536_000 * 2, '2 years ago'],
  ])('%i seconds → %s', (delta, words) => {
    expect(formatRelativeTime(now / 1000 + delta, now)).toBe(words)
  })

  it('formats a countdown as m:ss', () => {
    expect(formatCountdown(600_000)).toBe('10:00')
    expect(formatCountdown(59_001)).toBe('1:00')
    expect(formatCountdown(-5)).toBe('0:00')
  })
})

describe('startCountdown', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('draws nothing when the stream is not a TTY', () => {
    const write = vi.fn()
    startCountdown({ write }, Date.now() + 60_000).stop()
    expect(write).not.toHaveBeenCalled()
  })

  it('redraws one line in place on a TTY and clears it on stop, leaving no timer', () => {
    vi.useFakeTimers({ now: 0 })
    let screen = ''
    const countdown = startCountdown({ write: (text) => (screen += text), isTTY: true }, 90_000)
    vi.advanceTimersByTime(1200)
    expect(screen).toContain('\r\x1b[2K')
    expect(screen).toContain('code expires in 1:30')
    expect(screen).toContain('code expires in 1:29')
    countdown.stop()
    expect(screen.endsWith('\r\x1b[2K')).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('defaultTokenFilePath', () => {
  it('follows XDG on Linux, and ignores a relative XDG_CONFIG_HOME', () => {
    expect(defaultTokenFilePath({ platform: 'linux', home: '/home/u', env: {} })).toBe(
      '/home/u/.config/oauthkit/tokens.json',
    )
    expect(
      defaultTokenFilePath({ platform: 'linux', home: '/home/u', env: { XDG_CONFIG_HOME: '/x' } }),
    ).toBe('/x/oauthkit/tokens.json')
    expect(
      defaultTokenFilePath({ platform: 'linux', home: '/home/u', env: { XDG_CONFIG_HOME: 'rel' } }),
    ).toBe('/home/u/.config/oauthkit/tokens.json')
  })

  it('uses Application Support on macOS', () => {
    expect(defaultTokenFilePath({ platform: 'darwin', home: '/Users/u', env: {} })).toBe(
      '/Users/u/Library/Application Support/oauthkit/tokens.json',
    )
  })
})
