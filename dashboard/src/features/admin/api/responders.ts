/**
 * Responders (issue 5): GET /api/responders → {items} (phones masked except for admins);
 * POST /api/responders {name, kind, areaId, phone, onDuty?} → 201 (admins);
 * PATCH /api/responders/:id {onDuty} (supervisors and admins).
 */
import { apiRequest, pathId } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'

export const RESPONDER_KINDS = ['care_worker', 'volunteer', 'family', 'medical'] as const

export interface Responder {
  id: string
  name: string
  kind: string
  areaId: string
  areaName: string | null
  phone: string | null
  onDuty: boolean
  busy: boolean
}

export async function getResponders (signal?: AbortSignal): Promise<Responder[]> {
  const body = await apiRequest<{ items?: unknown }>('/api/responders', { signal })
  return Array.isArray(body.items) ? (body.items as Responder[]).filter((r) => typeof r?.id === 'string') : []
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
