/**
 * GET /api/incidents/:id/candidates → {items}: responders to propose, best first (on duty, not
 * busy, nearest in the area tree, then by distance). Phones arrive masked.
 */
import { isCandidateDto, type CandidateDto } from '@eldercare/protocols'
import { apiRequest, pathId } from '../../../lib/api-client.ts'
import { listItems } from '../../../lib/dto.ts'
import { useQuery } from '../../../lib/use-query.ts'

export type Candidate = CandidateDto

export async function getCandidates (incidentId: string, signal?: AbortSignal): Promise<Candidate[]> {
  return listItems(await apiRequest<unknown>(`/api/incidents/${pathId(incidentId)}/candidates`, { signal }), isCandidateDto, 'candidate')
}

/** `version` changes when the incident does, so the list is read again after a dispatch or a decline. */
export function useCandidates (incidentId: string | null, version: string) {
  return useQuery(incidentId === null ? null : `candidates:${incidentId}:${version}`, (signal) => getCandidates(incidentId!, signal))
}
