/**
 * GET /api/residents/:id/calls → {items}: the resident's video calls, newest first, each with its
 * events (ringing, answered, ice_restart, ended…, who and when). Admitted only when the answer
 * keeps `CallListDto` (protocols/src/rtc.ts).
 */
import { isCallListDto, type CallDto } from '@eldercare/protocols'
import { ApiError, apiRequest, DASHBOARD_ERROR_CODES, pathId } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'

export async function getResidentCalls (residentId: string, signal?: AbortSignal): Promise<CallDto[]> {
  const body = await apiRequest<unknown>(`/api/residents/${pathId(residentId)}/calls?limit=20`, { signal })
  if (!isCallListDto(body)) throw new ApiError(DASHBOARD_ERROR_CODES.badResponse, 200, `the resident's calls are malformed (${isCallListDto.problem(body) ?? ''})`)
  return body.items
}

export function useResidentCalls (residentId: string) {
  return useQuery(`resident-calls:${residentId}`, (signal) => getResidentCalls(residentId, signal))
}
