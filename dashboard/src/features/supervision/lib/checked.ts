/**
 * What supervision screens read is checked against the contract (protocols/src/dto.ts) before it
 * is shown: a single answer that breaks it is a bad response; a list keeps its good items and logs
 * (then drops) the others, so one odd row cannot blank a supervisor's screen.
 */
import type { DtoCheck } from '@eldercare/protocols'
import { ApiError, DASHBOARD_ERROR_CODES } from '../../../lib/api-client.ts'

/** `value` when it keeps `check`'s schema; otherwise a bad-response error naming `what` and where it breaks. */
export function checkedAnswer<T> (check: DtoCheck<T>, value: unknown, what: string): T {
  if (check(value)) return value
  throw new ApiError(DASHBOARD_ERROR_CODES.badResponse, 200, `${what} breaks the contract at ${check.problem(value) ?? '/'}`)
}

/** The items of `items` that keep `check`'s schema, logging each one dropped. */
export function checkedItems<T> (check: DtoCheck<T>, items: unknown, what: string): T[] {
  if (!Array.isArray(items)) throw new ApiError(DASHBOARD_ERROR_CODES.badResponse, 200, `${what}: the answer has no list of items`)
  const kept: T[] = []
  for (const item of items) {
    if (check(item)) kept.push(item)
    else console.warn(`dashboard: dropped a malformed ${what} (${check.problem(item) ?? ''})`, item)
  }
  return kept
}
