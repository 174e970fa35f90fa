/**
 * GET/PUT/DELETE /api/areas/:id/visit-rules: the rule in force for an area and where it comes from
 * (PUT: `target.write`, audited as `area.visit_rules`; DELETE: the area inherits again, audited as
 * `area.visit_rules_removed`, and answers the rule then in force).
 */
import { isVisitRulesDto, type VisitRulesDto } from '@eldercare/protocols'
import { apiRequest, pathId } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'
import { checkedDto } from '../../../lib/dto.ts'

export type VisitRules = VisitRulesDto
export type VisitRulesValues = Omit<VisitRules, 'fromAreaId'>

export async function getVisitRules (areaId: string, signal?: AbortSignal): Promise<VisitRules> {
  return checkedDto(await apiRequest<unknown>(`/api/areas/${pathId(areaId)}/visit-rules`, { signal }), isVisitRulesDto, 'visit rules')
}

export function useVisitRules (areaId: string | null) {
  return useQuery(areaId === null ? null : `visit-rules:${areaId}`, async (signal) => await getVisitRules(areaId ?? '', signal))
}

export async function putVisitRules (areaId: string, values: VisitRulesValues): Promise<VisitRules> {
  return checkedDto(await apiRequest<unknown>(`/api/areas/${pathId(areaId)}/visit-rules`, { method: 'PUT', body: values }), isVisitRulesDto, 'saved visit rules')
}

/** Removes the area's own rule: the area inherits again. Idempotent on the platform. */
export async function deleteVisitRules (areaId: string): Promise<VisitRules> {
  return checkedDto(await apiRequest<unknown>(`/api/areas/${pathId(areaId)}/visit-rules`, { method: 'DELETE' }), isVisitRulesDto, 'visit rules in force')
}
