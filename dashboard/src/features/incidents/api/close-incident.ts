/** POST /api/incidents/:id/close {reason} → the incident, closed as a false alarm. */
import type { IncidentDto } from '@eldercare/protocols'
import { apiRequest, pathId } from '../../../lib/api-client.ts'
import { useMutation } from '../../../lib/use-mutation.ts'

export function closeIncident (id: string, reason: string): Promise<IncidentDto> {
  return apiRequest<IncidentDto>(`/api/incidents/${pathId(id)}/close`, { method: 'POST', body: { reason } })
}

export function useCloseIncident () {
  return useMutation(closeIncident)
}
