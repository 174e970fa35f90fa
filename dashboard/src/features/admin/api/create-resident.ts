/** POST /api/residents {name, siteId, birthDate?, phone?, capacityLevel?, livesAlone?, conditions?, contacts?} → 201. */
import { apiRequest } from '../../../lib/api-client.ts'
import type { ResidentContact } from '../../../lib/registry/resident.ts'

export interface CreateResidentBody {
  name: string
  siteId: string
  birthDate?: string
  phone?: string
  capacityLevel?: number
  livesAlone?: boolean
  conditions?: string[]
  contacts?: ResidentContact[]
}

export function createResident (body: CreateResidentBody): Promise<{ id: string, name: string }> {
  return apiRequest('/api/residents', { method: 'POST', body })
}
