/** GET /api/areas → {items}: the caller's area and everything below it, in tree order (by path). */
import { isAreaDto, type AreaDto } from '@eldercare/protocols'
import { apiRequest } from '../api-client.ts'
import { listItems } from '../dto.ts'
import { useQuery } from '../use-query.ts'

/** An area as the platform reports it (`AreaDto`); `depth` is 0 for the root of the whole tree. */
export type AreaSummary = AreaDto

export async function getAreas (signal?: AbortSignal): Promise<AreaSummary[]> {
  return listItems(await apiRequest<unknown>('/api/areas', { signal }), isAreaDto, 'area')
}

export function useAreas () {
  return useQuery('areas', getAreas)
}
