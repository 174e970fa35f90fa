/** GET /api/sites → {items}: sites in the caller's area, for naming devices by where they are. */
import { apiRequest } from '../api-client.ts'
import { useQuery } from '../use-query.ts'

export interface SiteSummary {
  id: string
  name: string
  kind: string
  areaId: string
  address: string | null
}

export async function getSites (signal?: AbortSignal): Promise<SiteSummary[]> {
  const body = await apiRequest<{ items?: unknown }>('/api/sites', { signal })
  return Array.isArray(body.items) ? (body.items as SiteSummary[]).filter((s) => typeof s?.id === 'string') : []
}

export function useSites () {
  return useQuery('sites', getSites)
}
