const UNITS: [unit: string, seconds: number][] = [
  ['year', 31_536_000],
  ['day', 86_400],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
]

/**
 * Says how far `epochSeconds` is from `now` in words: `in 59 minutes`, `3 hours ago`. Rounds
 * down to the largest whole unit, so a token that expires in 59 min 59 s says "59 minutes".
 * Internal.
 */
export function formatRelativeTime(epochSeconds: number, now: number = Date.now()): string {
  const delta = Math.round(epochSeconds - now / 1000)
  const abs = Math.abs(delta)
  if (abs < 1) return 'now'
  const [unit, size] = UNITS.find(([, seconds]) => abs >= seconds) ?? ['second', 1]
  const count = Math.floor(abs / size)
  const phrase = `${count} ${unit}${count === 1 ? '' : 's'}`
  return delta > 0 ? `in ${phrase}` : `${phrase} ago`
}

/** `m:ss` for a countdown. Internal. */
export function formatCountdown(milliseconds: number): string {
  const total = Math.max(0, Math.ceil(milliseconds / 1000))
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`
}
