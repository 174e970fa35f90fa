/**
 * GET /api/incidents/:id/candidates → {items}: responders to propose, best first (on duty, not
 * busy, nearest in the area tree, then by distance). Phones arrive masked.
 */
import { apiRequest, pathId } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'

export interface Candidate {
  id: string
  name: string
  /** care_worker | volunteer | family | medical */
  kind: string
  areaName: string | null
  phone: string | null
  onDuty: boolean
  busy: boolean
  /** the responder's registered base (WGS-84), when known */
  lat?: number | null
  lng?: number | null
  /** Straight-line distance in whole metres to the incident's position (or the home, `distanceFrom`), when both have coordinates. */
  distanceM: number | null
  distanceFrom?: 'position' | 'home'
}

export async function getCandidates (incidentId: string, signal?: AbortSignal): Promise<Candidate[]> {
  const body = await apiRequest<{ items?: unknown }>(`/api/incidents/${pathId(incidentId)}/candidates`, { signal })
  return Array.isArray(body.items) ? (body.items as Candidate[]).filter((c) => typeof c?.id === 'string' && typeof c.name === 'string') : []
}

/** `version` changes when the incident does, so the list is read again after a dispatch or a decline. */
export function useCandidates (incidentId: string | null, version: string) {
  return useQuery(incidentId === null ? null : `candidates:${incidentId}:${version}`, (signal) => getCandidates(incidentId!, signal))
}
