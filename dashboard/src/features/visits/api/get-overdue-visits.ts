/** GET /api/visits/overdue → planned visits past their due date in the caller's area, and their count per community. */
import { isOverdueVisitsDto, type OverdueVisitsDto } from '@eldercare/protocols'
import { apiRequest } from '../../../lib/api-client.ts'
import { checkedDto } from '../../../lib/dto.ts'
import { useQuery } from '../../../lib/use-query.ts'

export type OverdueVisits = OverdueVisitsDto

export async function getOverdueVisits (signal?: AbortSignal): Promise<OverdueVisits> {
  return checkedDto(await apiRequest<unknown>('/api/visits/overdue', { signal }), isOverdueVisitsDto, 'overdue visit list')
}

export function useOverdueVisits () {
  return useQuery('visits:overdue', (signal) => getOverdueVisits(signal))
}
