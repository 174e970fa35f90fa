/**
 * POST /api/incidents/:id/dispatch {responderId?, note?} → the incident (+ the offer). Without a
 * responder the platform offers the best candidate. 409 PLT_ERR_NO_RESPONDER when nobody is free.
 * POST /api/incidents/:id/decline and /arrive move the cascade on (the responder said no by phone;
 * the responder is on scene).
 */
import type { IncidentDto } from '@eldercare/protocols'
import { apiRequest, pathId } from '../../../lib/api-client.ts'

export function dispatchIncident (id: string, responderId: string | null): Promise<IncidentDto> {
  return apiRequest<IncidentDto>(`/api/incidents/${pathId(id)}/dispatch`, { method: 'POST', body: responderId === null ? {} : { responderId } })
}

export function declineOffer (id: string): Promise<IncidentDto> {
  return apiRequest<IncidentDto>(`/api/incidents/${pathId(id)}/decline`, { method: 'POST', body: {} })
}

export function markArrived (id: string): Promise<IncidentDto> {
  return apiRequest<IncidentDto>(`/api/incidents/${pathId(id)}/arrive`, { method: 'POST', body: {} })
}
