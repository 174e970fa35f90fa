/**
 * POST /api/residents {name, siteId, birthDate?, phone?, capacityLevel?, flags?, conditions?, contacts?} → 201.
 * `flags`: the plans' groups recorded by hand, each its own (RECORDED_GROUPS; 失能 follows the assessment).
 */
import { apiRequest } from '../../../lib/api-client.ts'
import type { ResidentContact } from '../../../lib/registry/resident.ts'

export interface CreateResidentBody {
  name: string
  siteId: string
  birthDate?: string
  phone?: string
  capacityLevel?: number
  flags?: string[]
  conditions?: string[]
  contacts?: ResidentContact[]
}

export function createResident (body: CreateResidentBody): Promise<{ id: string, name: string }> {
  return apiRequest('/api/residents', { method: 'POST', body })
}
