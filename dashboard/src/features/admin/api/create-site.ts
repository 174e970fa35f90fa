/** POST /api/sites {name, kind, areaId, address?, geo?} → 201 the site; the area must be a community. */
import type { SiteKind } from '@eldercare/protocols'
import { apiRequest } from '../../../lib/api-client.ts'

export interface CreateSiteBody { name: string, kind: SiteKind, areaId: string, address?: string, geo?: { lat: number, lng: number } }

export function createSite (body: CreateSiteBody): Promise<{ id: string, name: string }> {
  return apiRequest('/api/sites', { method: 'POST', body })
}
