/**
 * Daily check-in (报平安) of one resident: GET /api/residents/:id/daily-checkin → the plan with
 * its time zone and last 14 days (404: no plan yet); PUT with {windowStart, windowEnd,
 * escalateAfterMin, enabled} creates, changes or disables it and answers the same. Each answer is
 * admitted only when it keeps `DailyCheckinPlanDto` (protocols/src/dto.ts).
 */
import { isDailyCheckinPlanDto, type DailyCheckinPlanDto, type DailyCheckinPlanInput } from '@eldercare/protocols'
import { ApiError, apiRequest, DASHBOARD_ERROR_CODES, pathId } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'

function admitted (value: unknown): DailyCheckinPlanDto {
  if (isDailyCheckinPlanDto(value)) return value
  throw new ApiError(DASHBOARD_ERROR_CODES.badResponse, 200, `the daily check-in plan is malformed (${isDailyCheckinPlanDto.problem(value) ?? ''})`)
}

/** The plan, or null when the resident has none yet. */
export async function getDailyCheckin (residentId: string, signal?: AbortSignal): Promise<DailyCheckinPlanDto | null> {
  try {
    return admitted(await apiRequest<unknown>(`/api/residents/${pathId(residentId)}/daily-checkin`, { signal }))
  } catch (err) {
    if (err instanceof ApiError && err.status === 404 && err.code === 'PLT_ERR_NOT_FOUND') return null
    throw err
  }
}

export async function putDailyCheckin (residentId: string, plan: Required<DailyCheckinPlanInput>): Promise<DailyCheckinPlanDto> {
  return admitted(await apiRequest<unknown>(`/api/residents/${pathId(residentId)}/daily-checkin`, { method: 'PUT', body: plan }))
}

export function useDailyCheckin (residentId: string) {
  return useQuery(`daily-checkin:${residentId}`, (signal) => getDailyCheckin(residentId, signal))
}
