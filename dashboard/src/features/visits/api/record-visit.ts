/**
 * POST /api/visits/:id/record → the visit, now done. `followUpNeeded` makes the platform open (or
 * join) a P3 visit_follow_up incident, whose id comes back as `incidentId`.
 */
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

export async function recordVisit (id: string, record: VisitRecord): Promise<Visit> {
  return toVisit(await apiRequest<unknown>(`/api/visits/${pathId(id)}/record`, { method: 'POST', body: record }))
}
