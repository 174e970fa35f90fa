/** A resident's incident history: GET /api/incidents?status=all&residentId=…, newest first. */
import { isIncidentDto, type IncidentDto } from '@eldercare/protocols'
import { apiRequest } from '../../../lib/api-client.ts'
import { listItems } from '../../../lib/dto.ts'
import { useQuery } from '../../../lib/use-query.ts'

export async function getResidentIncidents (residentId: string, signal?: AbortSignal): Promise<IncidentDto[]> {
  return listItems(await apiRequest<unknown>(`/api/incidents?status=all&limit=5000&residentId=${encodeURIComponent(residentId)}`, { signal }), isIncidentDto, 'incident')
}

export function useResidentIncidents (residentId: string | null) {
  return useQuery(residentId === null ? null : `resident-incidents:${residentId}`, (signal) => getResidentIncidents(residentId ?? '', signal))
}
