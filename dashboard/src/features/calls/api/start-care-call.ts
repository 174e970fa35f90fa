/**
 * POST /api/residents/:id/calls {deviceId?, incidentId?} → 201 the call with the ICE servers
 * for this browser: a care call ("爱的眼睛") to the resident's intercom. 409 when the resident
 * has no intercom or it is offline.
 */
import type { CallStartDto } from '@eldercare/protocols'
import { apiRequest, pathId } from '../../../lib/api-client.ts'

export function startCareCall (residentId: string): Promise<CallStartDto> {
  return apiRequest(`/api/residents/${pathId(residentId)}/calls`, { method: 'POST', body: {} })
}
