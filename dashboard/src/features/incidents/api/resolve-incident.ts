/** POST /api/incidents/:id/resolve {outcome, note?} → the updated incident. */
import type { IncidentDto, Outcome } from '@eldercare/protocols'
import { apiRequest, pathId } from '../../../lib/api-client.ts'
import { useMutation } from '../../../lib/use-mutation.ts'

export interface Resolution {
  outcome: Outcome
  note?: string
}

export function resolveIncident (id: string, resolution: Resolution): Promise<IncidentDto> {
  return apiRequest<IncidentDto>(`/api/incidents/${pathId(id)}/resolve`, { method: 'POST', body: resolution })
}

export function useResolveIncident () {
  return useMutation(resolveIncident)
}
