/**
 * GET /api/sites → {items}: sites in the caller's area (`SiteDto`: homes, which may be family
 * care beds, institutions and the community facilities), for naming devices by where they are
 * and for the registry's lists. Items that break the contract are dropped and logged.
 */
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
