/** GET /api/visits?status&residentId&dueFrom&dueTo → the visits of the caller's area, by due date. */
import { apiRequest } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'
import { toVisits, type Visit } from '../lib/visit.ts'

export interface VisitFilter { status?: Visit['status'], residentId?: string, dueFrom?: string, dueTo?: string }

export async function getVisits (filter: VisitFilter, signal?: AbortSignal): Promise<Visit[]> {
  const params = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => typeof e[1] === 'string'))
  return toVisits(await apiRequest<unknown>(`/api/visits?${params.toString()}`, { signal }))
}

export function useVisits (filter: VisitFilter) {
  const key = JSON.stringify(filter)
  return useQuery(`visits:${key}`, (signal) => getVisits(JSON.parse(key) as VisitFilter, signal))
}
