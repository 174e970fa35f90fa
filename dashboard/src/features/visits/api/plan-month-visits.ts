/**
 * POST /api/visits/plan-month {month, areaId?} → {created}: one planned visit for every flagged
 * resident of the area with none planned or done that month. Supervisors and administrators.
 */
import { ApiError, apiRequest, DASHBOARD_ERROR_CODES } from '../../../lib/api-client.ts'

export interface PlannedMonth { month: string, areaId: string, dueDate: string, created: number }

export async function planMonthVisits (month: string, areaId?: string): Promise<PlannedMonth> {
  const body = await apiRequest<Partial<PlannedMonth> | null>('/api/visits/plan-month', { method: 'POST', body: areaId === undefined ? { month } : { month, areaId } })
  if (typeof body?.created !== 'number') throw new ApiError(DASHBOARD_ERROR_CODES.badResponse, 200, 'the plan has no count')
  return body as PlannedMonth
}
