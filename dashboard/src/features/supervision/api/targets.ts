/** GET/PUT /api/areas/:id/targets/:year: an area's yearly targets (PUT: `target.write`, audited by the platform as `area.targets`). */
import { isTargetsDto, type TargetsDto } from '@eldercare/protocols'
import { apiRequest, pathId } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'
import { checked } from '../../../lib/checked.ts'

export type Targets = TargetsDto
export type TargetValues = Omit<Targets, 'year'>

export async function getTargets (areaId: string, year: number, signal?: AbortSignal): Promise<Targets> {
  return checked(isTargetsDto, 'the targets', await apiRequest<unknown>(`/api/areas/${pathId(areaId)}/targets/${year}`, { signal }))
}

/** The targets of several areas for one year (the selected area and its children), in the order given. */
export function useTargetsOf (areaIds: readonly string[], year: number) {
  const key = areaIds.length === 0 ? null : `targets:${year}:${areaIds.join(',')}`
  return useQuery(key, async (signal) => await Promise.all(areaIds.map(async (id) => ({ areaId: id, targets: await getTargets(id, year, signal) }))))
}

export async function putTargets (areaId: string, year: number, values: TargetValues): Promise<Targets> {
  return checked(isTargetsDto, 'the saved targets', await apiRequest<unknown>(`/api/areas/${pathId(areaId)}/targets/${year}`, { method: 'PUT', body: values }))
}
