/** POST /api/incidents/:id/call → 201 the call: the operator answers the elder's intercom call with video. */
import type { CallStartDto } from '@eldercare/protocols'
import { apiRequest, pathId } from '../../../lib/api-client.ts'

export function answerIncidentCall (incidentId: string): Promise<CallStartDto> {
  return apiRequest(`/api/incidents/${pathId(incidentId)}/call`, { method: 'POST', body: {} })
}
