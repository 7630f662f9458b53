// A tiny benchmark harness shared by the scripts in bench/: warm-up, repeated interleaved rounds
// (every candidate is measured once per round, in a rotating order, so machine drift hits all of
// them alike), medians, and a markdown table with each figure as a ratio to a baseline measured in
// the same run. Tables go to stdout; progress goes to stderr.

/** True when the script was started with --check (budgets are enforced). */
export const check = process.argv.includes('--check')

/** Progress line on stderr (stdout is kept for the markdown tables). */
export function log(...parts) {
  process.stderr.write(`${parts.join(' ')}\n`)
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b)
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
}

/**
 * Calls `fn` (sync or async, awaited one at a time) for about `ms` milliseconds, in batches of
 * `batch` calls between clock reads, and returns calls per second.
 */
export async function rate(fn, { ms = 200, batch = 64 } = {}) {
  let calls = 0
  const start = performance.now()
  const deadline = start + ms
  let now = start
  do {
    for (let i = 0; i < batch; i++) await fn()
    calls += batch
    now = performance.now()
  } while (now < deadline)
  return (calls * 1000) / (now - start)
}

/** Runs `fn` once and returns its duration in milliseconds. */
export async function time(fn) {
  const start = performance.now()
  await fn()
  return performance.now() - start
}

/**
 * Measures every candidate `rounds` times, interleaved: one sample of each per round, the order
 * rotating from round to round. `measure(fn)` turns a candidate into one sample (for example
 * `(fn) => rate(fn)` or `(fn) => time(fn)`). Warm-up rounds are run first and thrown away.
 * Returns `{ name: number[] }`.
 */
export async function interleave(candidates, { rounds = 10, warmup = 2, measure, label = '' }) {
  const names = Object.keys(candidates)
  const samples = Object.fromEntries(names.map((name) => [name, []]))
  for (let round = -warmup; round < rounds; round++) {
    const shift = ((round % names.length) + names.length) % names.length
    const order = [...names.slice(shift), ...names.slice(0, shift)]
    for (const name of order) {
      const value = await measure(candidates[name], name)
      if (round >= 0) samples[name].push(value)
    }
    if (round >= 0) log(`  ${label} round ${round + 1}/${rounds}`)
  }
  return samples
}

function formatNumber(value) {
  if (!Number.isFinite(value)) return String(value)
  const abs = Math.abs(value)
  if (abs >= 100) return Math.round(value).toLocaleString('en-US')
  if (abs >= 10) return value.toFixed(1)
  if (abs >= 1) return value.toFixed(2)
  return value.toPrecision(2)
}

/**
 * Builds a markdown table. `rows` are `{ name, samples, note? }` (or `{ name, value }` for a single
 * figure, or `{ name, text }` for a row that could not be measured). The ratio column is
 * median / baseline median. `budget` `{ row, max, min? }` adds a budget and verdict to that row
 * (`row` may be a list of names); `higherIsBetter` only words the footnote.
 * Returns `{ markdown, ok }` where `ok` is false when a budget is broken.
 */
export function table({ title, unit, baseline, rows, budget, higherIsBetter = false, notes = [] }) {
  const medianOf = (row) => (row.samples ? median(row.samples) : row.value)
  const base = rows.find((row) => row.name === baseline)
  const baseValue = base ? medianOf(base) : Number.NaN
  const budgetRows = budget ? [budget.row].flat() : []
  const hasSpread = rows.some((row) => row.samples && row.samples.length > 2)
  const header = [
    'candidate',
    `median ${unit}`,
    ...(hasSpread ? ['p25–p75'] : []),
    `ratio to ${baseline}`,
    ...(budget ? ['budget', 'verdict'] : []),
    'notes',
  ]
  const lines = [
    `### ${title}`,
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 || i === header.length - 1 ? ' --- ' : ' ---: ')).join('|')}|`,
  ]
  let ok = true
  for (const row of rows) {
    if (row.text !== undefined) {
      const blanks = header.length - 3
      lines.push(`| ${row.name} | ${row.text} |${' |'.repeat(blanks)} ${row.note ?? ''} |`)
      continue
    }
    const value = medianOf(row)
    const ratio = value / baseValue
    const cells = [row.name, formatNumber(value)]
    if (hasSpread) {
      cells.push(
        row.samples && row.samples.length > 2
          ? `${formatNumber(quantile(row.samples, 0.25))}–${formatNumber(quantile(row.samples, 0.75))}`
          : '',
      )
    }
    cells.push(row.name === baseline ? '1.00 (baseline)' : `${ratio.toFixed(2)}×`)
    if (budget) {
      if (budgetRows.includes(row.name)) {
        const pass =
          (budget.max === undefined || ratio <= budget.max) &&
          (budget.min === undefined || ratio >= budget.min)
        if (!pass) ok = false
        const limit = [
          budget.min !== undefined ? `≥ ${budget.min}×` : '',
          budget.max !== undefined ? `≤ ${budget.max}×` : '',
        ]
          .filter(Boolean)
          .join(' and ')
        cells.push(limit, pass ? 'pass' : '**FAIL**')
      } else {
        cells.push('', '')
      }
    }
    cells.push(row.note ?? '')
    lines.push(`| ${cells.join(' | ')} |`)
  }
  lines.push('')
  lines.push(
    `Ratio = median / median of ${baseline}, both measured in this run; ${
      higherIsBetter ? 'higher is better' : 'lower is better'
    }.`,
  )
  for (const note of notes) lines.push(note)
  lines.push('')
  return { markdown: lines.join('\n'), ok }
}

/** Prints the tables and exits non-zero under --check when a budget is broken. */
export function report(...tables) {
  let ok = true
  for (const t of tables) {
    process.stdout.write(`${t.markdown}\n`)
    if (!t.ok) ok = false
  }
  if (check && !ok) {
    log('budget broken')
    process.exitCode = 1
  }
  if (!check && !ok) log('a budget is broken (exit code only changes under --check)')
}
