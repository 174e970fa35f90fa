/**
 * Supervision reads and writes (issue 16): the population report of an area on a date, the
 * GB/T 42195-2022 form, a resident's assessments and status history, recording an assessment.
 */
import type { AssessmentItem } from '@eldercare/protocols'
import { ApiError, apiRequest, DASHBOARD_ERROR_CODES, pathId } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'

export interface Targets { year: number, familyBeds: number | null, visitCoverage: number | null, assessmentCoverage: number | null, ackWithin60s: number | null }

export interface Population {
  area: { id: string, name: string }
  date: string
  total: number
  current: number
  byStatus: Record<string, number>
  byGroup: Record<string, number>
  byAgeBand: Record<string, number>
  byCapacityLevel: Record<string, number>
  familyBeds: { total: number, byType: Record<string, number> }
  facilities: Record<string, number>
  devices: { total: number, residentsWithDevice: number, perResident: number | null }
  assessments: { assessedCurrent: number, due: number, overdue: number, coverage: number | null }
  targets: Targets | null
}

export function populationParams (areaId: string | null, date: string): URLSearchParams {
  const p = new URLSearchParams({ date })
  if (areaId !== null) p.set('areaId', areaId)
  return p
}

export async function getPopulation (params: URLSearchParams, signal?: AbortSignal): Promise<Population> {
  const body = await apiRequest<Population>(`/api/reports/population?${params.toString()}`, { signal })
  if (typeof body?.byStatus !== 'object' || typeof body?.byGroup !== 'object') throw new ApiError(DASHBOARD_ERROR_CODES.badResponse, 200, 'the population report has no counts')
  return body
}

export function usePopulation (params: URLSearchParams) {
  const key = params.toString()
  return useQuery(`population:${key}`, (signal) => getPopulation(new URLSearchParams(key), signal))
}

export interface AssessmentForm { standard: string, maxTotal: number, items: AssessmentItem[], indicators: Array<{ key: string, code: string, nameZh: string, nameEn: string, max: number }> }

export function useAssessmentForm (enabled: boolean) {
  return useQuery(enabled ? 'assessment-form' : null, (signal) => apiRequest<AssessmentForm>('/api/assessment-form', { signal }))
}

export interface Assessment {
  id: string
  assessedAt: string
  assessor: { userId: string | null, name: string, certificateNo: string | null }
  total: number
  preliminaryLevel: number
  level: number
  changes: string[]
  careRiskEvents30d: number
  reassessmentDueAt: string
}

export function useAssessments (residentId: string, enabled: boolean) {
  return useQuery(enabled ? `assessments:${residentId}` : null, (signal) =>
    apiRequest<{ items: Assessment[], capacityLevel: number | null, capacityOverrideReason: string | null }>(`/api/residents/${pathId(residentId)}/assessments`, { signal }))
}

export interface NewAssessment {
  assessedAt: string
  scores: Record<string, number>
  assessor?: { name: string, certificateNo: string }
  dementiaOrMentalDisorder?: boolean
  comatose?: boolean
}

/** POST /api/residents/:id/condition-changes: the resident's condition changed (audited); the reassessment is due now. */
export async function markConditionChange (residentId: string, reason: string): Promise<{ id: string, at: string, reason: string, markedBy: string }> {
  return apiRequest(`/api/residents/${pathId(residentId)}/condition-changes`, { method: 'POST', body: { reason } })
}

export async function recordAssessment (residentId: string, body: NewAssessment): Promise<Assessment> {
  return apiRequest<Assessment>(`/api/residents/${pathId(residentId)}/assessments`, { method: 'POST', body })
}
