/**
 * GET /api/targets?areaId&year&depth=subtree: a year's targets of an area and every area below it, in
 * tree order; PUT /api/areas/:id/targets/:year sets one area's (`target.write`, audited by the
 * platform as `area.targets`).
 */
import { isTargetsDto, isTargetsTreeDto, type TargetsDto, type TargetsTreeDto } from '@eldercare/protocols'
import { apiRequest, pathId } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'
import { checkedDto } from '../../../lib/dto.ts'

export type Targets = TargetsDto
export type TargetValues = Omit<Targets, 'year'>
export type TargetsTree = TargetsTreeDto
export type TargetsTreeRow = TargetsTreeDto['items'][number]

export async function getTargetsTree (areaId: string, year: number, signal?: AbortSignal): Promise<TargetsTree> {
  const q = new URLSearchParams({ areaId, year: String(year), depth: 'subtree' })
  return checkedDto(await apiRequest<unknown>(`/api/targets?${q.toString()}`, { signal }), isTargetsTreeDto, 'targets')
}

/** The targets of an area's whole subtree for one year, one request whatever its size. */
export function useTargetsTree (areaId: string | null, year: number) {
  return useQuery(areaId === null ? null : `targets:${year}:${areaId}`, async (signal) => await getTargetsTree(areaId ?? '', year, signal))
}

export async function putTargets (areaId: string, year: number, values: TargetValues): Promise<Targets> {
  return checkedDto(await apiRequest<unknown>(`/api/areas/${pathId(areaId)}/targets/${year}`, { method: 'PUT', body: values }), isTargetsDto, 'saved targets')
}
