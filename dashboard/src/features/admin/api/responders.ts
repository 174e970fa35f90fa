/**
 * Responders (issue 5): GET /api/responders → {items} (phones masked except for admins);
 * POST /api/responders {name, kind, areaId, phone, onDuty?} → 201 (admins);
 * PATCH /api/responders/:id {onDuty} (supervisors and admins).
 */
import { isResponderDto, type ResponderDto } from '@eldercare/protocols'
import { apiRequest, pathId } from '../../../lib/api-client.ts'
import { listItems } from '../../../lib/dto.ts'
import { useQuery } from '../../../lib/use-query.ts'

export const RESPONDER_KINDS = ['care_worker', 'volunteer', 'family', 'medical'] as const

export type Responder = ResponderDto

export async function getResponders (signal?: AbortSignal): Promise<Responder[]> {
  return listItems(await apiRequest<unknown>('/api/responders', { signal }), isResponderDto, 'responder')
}

export function useResponders () {
  return useQuery('responders', getResponders)
}

export interface CreateResponderBody { name: string, kind: string, areaId: string, phone: string, onDuty?: boolean }

export function createResponder (body: CreateResponderBody): Promise<Responder> {
  return apiRequest('/api/responders', { method: 'POST', body })
}

export function setResponderOnDuty (id: string, onDuty: boolean): Promise<Responder> {
  return apiRequest(`/api/responders/${pathId(id)}`, { method: 'PATCH', body: { onDuty } })
}
