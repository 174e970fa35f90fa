/** GET /api/sites → {items}: sites in the caller's area, for naming devices by where they are. */
import { isSiteDto, type SiteDto } from '@eldercare/protocols'
import { apiRequest } from '../api-client.ts'
import { listItems } from '../dto.ts'
import { useQuery } from '../use-query.ts'

export type SiteSummary = SiteDto

export async function getSites (signal?: AbortSignal): Promise<SiteSummary[]> {
  return listItems(await apiRequest<unknown>('/api/sites', { signal }), isSiteDto, 'site')
}

export function useSites () {
  return useQuery('sites', getSites)
}
