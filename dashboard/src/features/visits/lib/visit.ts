/** The visit record as the platform sends it (platform/src/features/visits/service.ts `visitDto`), and calendar helpers. */
import type { VisitOutcome } from '@eldercare/protocols'
import { ApiError, DASHBOARD_ERROR_CODES } from '../../../lib/api-client.ts'

/** The outcomes the platform accepts, in the order the form offers them (protocols/src/dto.ts). */
export { VISIT_OUTCOMES, type VisitOutcome } from '@eldercare/protocols'

export interface Visit {
  id: string
  residentId: string
  residentName: string
  areaId: string
  areaName: string
  /** YYYY-MM-DD, a calendar day of the platform's TIME_ZONE. */
  dueDate: string
  status: 'planned' | 'done' | 'cancelled'
  visitor: { userId: string | null, name: string | null, phone: string | null }
  visitedAt: string | null
  outcome: VisitOutcome | null
  notes: string | null
  followUpNeeded: boolean | null
  /** The visit_follow_up incident a recorded follow-up opened. */
  incidentId: string | null
}

/** Checks the one shape every visit answer shares; a reply without it is a broken response, not an empty list. */
export function toVisit (raw: unknown): Visit {
  const v = raw as Partial<Visit> | null
  if (typeof v?.id !== 'string' || typeof v.dueDate !== 'string' || typeof v.status !== 'string') {
    throw new ApiError(DASHBOARD_ERROR_CODES.badResponse, 200, 'a visit has no id, due date or status')
  }
  return v as Visit
}

export function toVisits (raw: unknown): Visit[] {
  const items = (raw as { items?: unknown } | null)?.items
  if (!Array.isArray(items)) throw new ApiError(DASHBOARD_ERROR_CODES.badResponse, 200, 'the visit list has no items')
  return items.map(toVisit)
}

const pad = (n: number) => String(n).padStart(2, '0')

/** The month of `ms` in the browser's zone, as `YYYY-MM`, with its first and last day. */
export function monthRange (ms: number): { month: string, first: string, last: string } {
  const d = new Date(ms)
  const month = `${d.getFullYear()}-${pad(d.getMonth() + 1)}`
  const lastDay = new Date(d.getFullYear(), d.getMonth() + 1, 0).getDate()
  return { month, first: `${month}-01`, last: `${month}-${pad(lastDay)}` }
}

/** `ms` as the value of a `datetime-local` input (local time, minutes). */
export function toDateTimeLocal (ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}
