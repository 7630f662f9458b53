import { invalidArgument } from '@oauthkit/core/internal'

/** What {@link numberOption} accepts. */
export interface NumberRule {
  /** The smallest value accepted. */
  min: number
  /** The largest value accepted. Default `Number.MAX_SAFE_INTEGER`. */
  max?: number
  /** Whole numbers only. */
  integer?: boolean
}

/**
 * Checks a numeric option: `undefined` stays `undefined`; anything but a number is
 * `ERR_INVALID_ARG_TYPE`; `NaN`, an infinity, a value outside the rule or a fraction where a whole
 * number is needed is `ERR_INVALID_ARG_VALUE`. The message names `name` and says `expected`,
 * never the value.
 */
export function numberOption(
  value: unknown,
  name: string,
  expected: string,
  rule: NumberRule,
): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number') throw invalidArgument(name, expected)
  const { min, max = Number.MAX_SAFE_INTEGER, integer = false } = rule
  // `!(a && b)` rather than `a || b` so that NaN, which fails every comparison, is refused too.
  if (!(value >= min && value <= max) || (integer && !Number.isInteger(value))) {
    throw invalidArgument(name, expected, 'ERR_INVALID_ARG_VALUE')
  }
  return value
}
