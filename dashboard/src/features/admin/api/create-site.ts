/**
 * POST /api/sites {name, kind, areaId, address?, geo?, familyBed?} → 201 the site; the area must
 * be a community; only a home can be registered as a family care bed (家庭养老床位).
 */
import type { FamilyBedDto, SiteKind } from '@eldercare/protocols'
import { apiRequest } from '../../../lib/api-client.ts'

export interface CreateSiteBody { name: string, kind: SiteKind, areaId: string, address?: string, geo?: { lat: number, lng: number }, familyBed?: FamilyBedDto }

export function createSite (body: CreateSiteBody): Promise<{ id: string, name: string }> {
  return apiRequest('/api/sites', { method: 'POST', body })
}
