/** A resident's incident history: GET /api/incidents?status=all&residentId=…, newest first. */
import type { IncidentDto } from '@eldercare/protocols'
import { apiRequest } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'

export async function getResidentIncidents (residentId: string, signal?: AbortSignal): Promise<IncidentDto[]> {
  const body = await apiRequest<{ items?: unknown }>(`/api/incidents?status=all&limit=5000&residentId=${encodeURIComponent(residentId)}`, { signal })
  const items = Array.isArray(body.items) ? body.items as IncidentDto[] : []
  return items.filter((i) => typeof i?.id === 'string')
}

export function useResidentIncidents (residentId: string | null) {
  return useQuery(residentId === null ? null : `resident-incidents:${residentId}`, (signal) => getResidentIncidents(residentId ?? '', signal))
}
