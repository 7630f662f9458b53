import { formatCountdown } from './format-relative-time.js'

/** A terminal stream, as far as the countdown needs it. */
export interface CountdownStream {
  write(text: string): unknown
  isTTY?: boolean | undefined
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

/**
 * Shows a spinner, `label` and the time left until `expiresAt` (epoch ms) on one line of `stream`,
 * redrawn in place, until `stop()`. Draws nothing unless `stream` is a TTY: a log file must not
 * fill with carriage returns. The timer is unref'd, so it never keeps the process alive.
 * Internal.
 */
export function startCountdown(
  stream: CountdownStream,
  expiresAt: number,
  label = 'Waiting for approval',
  until = 'code expires in',
): { stop: () => void } {
  if (!stream.isTTY) return { stop: () => {} }
  let frame = 0
  const draw = () => {
    const left = formatCountdown(expiresAt - Date.now())
    stream.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${label}… ${until} ${left}`)
  }
  draw()
  const timer = setInterval(draw, 120)
  timer.unref()
  return {
    stop: () => {
      clearInterval(timer)
      stream.write('\r\x1b[2K')
    },
  }
}
