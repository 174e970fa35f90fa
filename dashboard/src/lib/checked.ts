/**
 * An answer admitted only when it keeps its DTO schema (protocols/src/dto-check.ts): a broken
 * answer becomes an ApiError naming where it breaks, shown like any other failure, instead of a
 * screen that crashes on a missing field.
 */
import type { DtoCheck } from '@eldercare/protocols'
import { ApiError, DASHBOARD_ERROR_CODES } from './api-client.ts'

export function checked<T> (check: DtoCheck<T>, what: string, body: unknown): T {
  if (check(body)) return body
  throw new ApiError(DASHBOARD_ERROR_CODES.badResponse, 200, `${what} breaks the contract at ${check.problem(body) ?? '/'}`)
}

/** The items of a list answer that keep the schema; the others are dropped and logged. */
export function checkedItems<T> (check: DtoCheck<T>, what: string, body: unknown): T[] {
  const items = (body as { items?: unknown } | null)?.items
  if (!Array.isArray(items)) throw new ApiError(DASHBOARD_ERROR_CODES.badResponse, 200, `${what}: the answer has no items`)
  return items.filter((item): item is T => {
    if (check(item)) return true
    console.warn(`dashboard: dropped a malformed ${what} (${check.problem(item) ?? ''})`, item)
    return false
  })
}
