/**
 * GET /api/visits/coverage?areaId&month → the share of flagged residents visited in a month, for
 * the area and each child area, against the target (1 = 100%).
 */
import { ApiError, apiRequest, DASHBOARD_ERROR_CODES } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'

export interface CoverageFigures { flagged: number, visited: number, /** null when nobody is flagged */ rate: number | null }
export interface AreaCoverage extends CoverageFigures { areaId: string, name: string, level: string }

export interface VisitCoverage {
  month: string
  areaId: string
  target: number
  total: CoverageFigures
  areas: AreaCoverage[]
}

export async function getVisitCoverage (month: string, areaId: string | null, signal?: AbortSignal): Promise<VisitCoverage> {
  const params = new URLSearchParams({ month })
  if (areaId !== null) params.set('areaId', areaId)
  const body = await apiRequest<Partial<VisitCoverage> | null>(`/api/visits/coverage?${params.toString()}`, { signal })
  if (typeof body?.total?.flagged !== 'number' || typeof body.target !== 'number' || !Array.isArray(body.areas)) {
    throw new ApiError(DASHBOARD_ERROR_CODES.badResponse, 200, 'the coverage has no figures')
  }
  return body as VisitCoverage
}

export function useVisitCoverage (month: string, areaId: string | null = null) {
  return useQuery(`visits:coverage:${month}:${areaId ?? ''}`, (signal) => getVisitCoverage(month, areaId, signal))
}
