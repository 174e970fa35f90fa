/** GET /api/assessments/due?areaId&withinDays: residents whose GB/T 42195-2022 reassessment is due or overdue. */
import { isAssessmentDueDto, type AssessmentDueDto } from '@eldercare/protocols'
import { ApiError, apiRequest, DASHBOARD_ERROR_CODES } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'
import { listItems } from '../../../lib/dto.ts'

export type AssessmentDue = AssessmentDueDto

export interface AssessmentsDue { area: { id: string, name: string }, items: AssessmentDue[] }

export function dueParams (areaId: string | null, withinDays: number): URLSearchParams {
  const p = new URLSearchParams({ withinDays: String(withinDays) })
  if (areaId !== null) p.set('areaId', areaId)
  return p
}

export async function getAssessmentsDue (params: URLSearchParams, signal?: AbortSignal): Promise<AssessmentsDue> {
  const body = await apiRequest<{ area?: { id?: unknown, name?: unknown }, items?: unknown }>(`/api/assessments/due?${params.toString()}`, { signal })
  if (typeof body?.area?.id !== 'string' || typeof body.area.name !== 'string') throw new ApiError(DASHBOARD_ERROR_CODES.badResponse, 200, 'the due list names no area')
  return { area: { id: body.area.id, name: body.area.name }, items: listItems(body, isAssessmentDueDto, 'due assessment') }
}

export function useAssessmentsDue (params: URLSearchParams) {
  const key = params.toString()
  return useQuery(`assessments-due:${key}`, async (signal) => await getAssessmentsDue(new URLSearchParams(key), signal))
}
