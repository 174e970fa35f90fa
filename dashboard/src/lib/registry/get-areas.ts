/** GET /api/areas → {items}: the caller's area and everything below it, in tree order (by path). */
import { apiRequest } from '../api-client.ts'
import { useQuery } from '../use-query.ts'

export interface AreaSummary {
  id: string
  name: string
  level: string
  parentId: string | null
  /** 0 for the root of the whole tree. */
  depth: number
}

export async function getAreas (signal?: AbortSignal): Promise<AreaSummary[]> {
  const body = await apiRequest<{ items?: unknown }>('/api/areas', { signal })
  return Array.isArray(body.items) ? (body.items as AreaSummary[]).filter((a) => typeof a?.id === 'string' && typeof a.name === 'string') : []
}

export function useAreas () {
  return useQuery('areas', getAreas)
}
