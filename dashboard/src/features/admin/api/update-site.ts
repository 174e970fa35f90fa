/** PATCH /api/sites/:id {familyBed}: register a home as a family care bed, change it, or end it (null). */
import type { FamilyBedDto } from '@eldercare/protocols'
import { apiRequest, pathId } from '../../../lib/api-client.ts'

export function updateSiteFamilyBed (siteId: string, familyBed: FamilyBedDto | null): Promise<unknown> {
  return apiRequest(`/api/sites/${pathId(siteId)}`, { method: 'PATCH', body: { familyBed } })
}
