import { encode } from 'uqr'

/** The space a QR code may take in the terminal. */
export interface TerminalSize {
  /** Columns available; 0 or undefined means unknown, and then nothing is drawn. */
  columns?: number | undefined
  /** Rows available; 0 or undefined means unknown and is not checked. */
  rows?: number | undefined
}

// ISO/IEC 18004 asks for a 4-module quiet zone; 2 scans reliably on screens and saves room.
const QUIET_ZONE = 2

/**
 * Draws `text` as a QR code with half-block characters, two modules per character cell, in
 * explicit black on white so it scans on dark and light terminal themes alike. Returns
 * `undefined` when it does not fit in `size`. Internal.
 */
export function renderTerminalQr(text: string, size: TerminalSize): string | undefined {
  const { data } = encode(text, { ecc: 'L', border: QUIET_ZONE })
  const width = data.length
  const height = Math.ceil(width / 2)
  if (!size.columns || width > size.columns) return undefined
  if (size.rows && height > size.rows) return undefined
  const lines: string[] = []
  for (let y = 0; y < width; y += 2) {
    let line = '\x1b[30;47m'
    for (let x = 0; x < width; x++) {
      const top = data[y]?.[x] === true
      const bottom = data[y + 1]?.[x] === true
      line += top && bottom ? '█' : top ? '▀' : bottom ? '▄' : ' '
    }
    lines.push(`${line}\x1b[0m`)
  }
  return `${lines.join('\n')}\n`
}
