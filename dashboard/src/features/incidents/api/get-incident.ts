/** GET /api/incidents/:id → the incident with its timeline. */
import type { IncidentDetailDto } from '@eldercare/protocols'
import { apiRequest, pathId } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'
import { normaliseIncident } from '../lib/incident-guard.ts'

export async function getIncident (id: string, signal?: AbortSignal): Promise<IncidentDetailDto> {
  const body = await apiRequest<IncidentDetailDto>(`/api/incidents/${pathId(id)}`, { signal })
  return { ...normaliseIncident(body), timeline: Array.isArray(body.timeline) ? body.timeline : [] }
}

/** The detail of `id` (null: nothing selected). */
export function useIncident (id: string | null) {
  return useQuery(id, (signal) => getIncident(id ?? '', signal))
}
