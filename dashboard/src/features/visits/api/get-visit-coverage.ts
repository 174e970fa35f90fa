/**
 * GET /api/visits/coverage?areaId&month → the share of flagged residents visited in a month, for
 * the area and each child area, against the target (1 = 100%).
 */
import { isVisitCoverageDto, type VisitCoverageDto } from '@eldercare/protocols'
import { apiRequest } from '../../../lib/api-client.ts'
import { checkedDto } from '../../../lib/dto.ts'
import { useQuery } from '../../../lib/use-query.ts'

export type VisitCoverage = VisitCoverageDto
export type CoverageFigures = VisitCoverage['total']
export type AreaCoverage = VisitCoverage['areas'][number]

export async function getVisitCoverage (month: string, areaId: string | null, signal?: AbortSignal): Promise<VisitCoverage> {
  const params = new URLSearchParams({ month })
  if (areaId !== null) params.set('areaId', areaId)
  return checkedDto(await apiRequest<unknown>(`/api/visits/coverage?${params.toString()}`, { signal }), isVisitCoverageDto, 'visit coverage')
}

export function useVisitCoverage (month: string, areaId: string | null = null) {
  return useQuery(`visits:coverage:${month}:${areaId ?? ''}`, (signal) => getVisitCoverage(month, areaId, signal))
}
