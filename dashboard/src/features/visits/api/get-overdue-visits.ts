/** GET /api/visits/overdue → planned visits past their due date in the caller's area, and their count per community. */
import { ApiError, apiRequest, DASHBOARD_ERROR_CODES } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'
import { toVisits, type Visit } from '../lib/visit.ts'

export interface OverdueVisits {
  /** The platform's calendar day the answer counts from (YYYY-MM-DD). */
  today: string
  items: Visit[]
  byArea: Array<{ areaId: string, name: string, overdue: number }>
}

export async function getOverdueVisits (signal?: AbortSignal): Promise<OverdueVisits> {
  const body = await apiRequest<Partial<OverdueVisits> | null>('/api/visits/overdue', { signal })
  if (typeof body?.today !== 'string' || !Array.isArray(body.byArea)) throw new ApiError(DASHBOARD_ERROR_CODES.badResponse, 200, 'the overdue list has no day or areas')
  return { today: body.today, items: toVisits(body), byArea: body.byArea }
}

export function useOverdueVisits () {
  return useQuery('visits:overdue', (signal) => getOverdueVisits(signal))
}
