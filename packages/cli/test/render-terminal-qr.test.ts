import { describe, expect, it } from 'vitest'
import { renderTerminalQr } from '../src/render-terminal-qr.js'

const URL = 'https://as.example.com/device?user_code=WDJB-MJHT'
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are the point here
const strip = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '')

describe('renderTerminalQr', () => {
  it('draws two modules per character, square, with a quiet zone', () => {
    const qr = renderTerminalQr(URL, { columns: 80, rows: 40 })!
    const lines = strip(qr).split('\n').slice(0, -1)
    const width = lines[0]!.length
    expect(lines.every((line) => line.length === width)).toBe(true)
    expect(lines).toHaveLength(Math.ceil(width / 2))
    expect(lines[0]!.trim()).toBe('')
    // The top-left finder pattern: a 7-module dark square after the 2-module quiet zone.
    expect(lines[1]!.slice(2, 9)).toBe('█▀▀▀▀▀█')
    expect(qr).toContain('\x1b[30;47m')
  })

  it('returns undefined when it does not fit, or the width is unknown', () => {
    expect(renderTerminalQr(URL, { columns: 20, rows: 40 })).toBeUndefined()
    expect(renderTerminalQr(URL, { columns: 80, rows: 5 })).toBeUndefined()
    expect(renderTerminalQr(URL, { columns: undefined })).toBeUndefined()
    expect(renderTerminalQr(URL, { columns: 80 })).toEqual(expect.any(String))
  })
})
