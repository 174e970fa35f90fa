/**
 * POST /api/visits/:id/record → the visit, now done. `followUpNeeded` makes the platform open (or
 * join) a P3 visit_follow_up incident, whose id comes back as `incidentId`.
 */
import { isSuggestedStatusDto, type SuggestedStatusDto } from '@eldercare/protocols'
import { apiRequest, pathId } from '../../../lib/api-client.ts'
import { toVisit, type Visit, type VisitOutcome } from '../lib/visit.ts'

export interface VisitRecord {
  /** ISO 8601 instant; the platform refuses one more than 5 minutes ahead. */
  visitedAt: string
  outcome: VisitOutcome
  notes?: string
  followUpNeeded: boolean
  visitorName?: string
}

/** The visit, and the status its outcome offers (deceased, moved away, in hospital; issue 16), never applied by itself. */
export interface Recorded { visit: Visit, suggestedStatus: SuggestedStatusDto | null }

export async function recordVisit (id: string, record: VisitRecord): Promise<Recorded> {
  const answer = await apiRequest<{ suggestedStatus?: unknown } | null>(`/api/visits/${pathId(id)}/record`, { method: 'POST', body: record })
  const offered = answer?.suggestedStatus
  return { visit: toVisit(answer), suggestedStatus: isSuggestedStatusDto(offered) ? offered : null }
}
