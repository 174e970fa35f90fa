/**
 * The console's checks of what the platform answers, on the contract's DTO schemas
 * (protocols/src/dto.ts through dto-check.ts) rather than by hand. A list is admitted item by
 * item: an item that breaks the contract is dropped and logged with the first way it does, so one
 * bad record never blanks an operator's screen. An answer that is not a list at all, or a single
 * record that breaks the contract, is refused: an ApiError (DASH_ERR_BAD_RESPONSE) that says where.
 */
import type { DtoCheck } from '@eldercare/protocols'
import { ApiError, DASHBOARD_ERROR_CODES } from './api-client.ts'

/** The items that keep the contract, in order; each one that does not is logged and left out. */
export function validItems<T> (items: readonly unknown[], check: DtoCheck<T>, what: string): T[] {
  return items.filter((item): item is T => {
    if (check(item)) return true
    console.warn(`dashboard: dropped a malformed ${what} (${check.problem(item) ?? 'unknown problem'})`, item)
    return false
  })
}

/** The checked items of a list answer `{items: [...]}`; refuses an answer without its list. */
export function listItems<T> (body: unknown, check: DtoCheck<T>, what: string): T[] {
  const items = (body as { items?: unknown } | null)?.items
  if (!Array.isArray(items)) throw new ApiError(DASHBOARD_ERROR_CODES.badResponse, 200, `the ${what} list breaks the contract at /items: expected an array`)
  return validItems(items, check, what)
}

/** The answer itself when it keeps the contract; else refused, saying where it breaks. */
export function checkedDto<T> (body: unknown, check: DtoCheck<T>, what: string): T {
  if (!check(body)) throw new ApiError(DASHBOARD_ERROR_CODES.badResponse, 200, `the ${what} breaks the contract at ${check.problem(body) ?? '/'}`)
  return body
}
