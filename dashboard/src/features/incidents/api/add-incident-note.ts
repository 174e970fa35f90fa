/** POST /api/incidents/:id/note {text} → the updated incident. */
import type { IncidentDto } from '@eldercare/protocols'
import { apiRequest, pathId } from '../../../lib/api-client.ts'
import { useMutation } from '../../../lib/use-mutation.ts'

export function addIncidentNote (id: string, text: string): Promise<IncidentDto> {
  return apiRequest<IncidentDto>(`/api/incidents/${pathId(id)}/note`, { method: 'POST', body: { text } })
}

export function useAddIncidentNote () {
  return useMutation(addIncidentNote)
}
