/**
 * A resident's incident history: GET /api/incidents?status=all&limit=5000, newest first, kept to
 * the resident here because the platform has no resident filter (yet).
 */
import type { IncidentDto } from '@eldercare/protocols'
import { apiRequest } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'

export async function getResidentIncidents (residentId: string, signal?: AbortSignal): Promise<IncidentDto[]> {
  const body = await apiRequest<{ items?: unknown }>('/api/incidents?status=all&limit=5000', { signal })
  const items = Array.isArray(body.items) ? body.items as IncidentDto[] : []
  return items.filter((i) => i?.residentId === residentId && typeof i.id === 'string')
}

export function useResidentIncidents (residentId: string | null) {
  return useQuery(residentId === null ? null : `resident-incidents:${residentId}`, (signal) => getResidentIncidents(residentId ?? '', signal))
}
