/**
 * GET /api/residents/:id/call-settings → {autoAnswer}; PUT {autoAnswer} (supervisors and
 * administrators, audited) → the same. Admitted only when the answer keeps `CallSettingsDto`.
 */
import { isCallSettingsDto, type CallSettingsDto } from '@eldercare/protocols'
import { ApiError, apiRequest, DASHBOARD_ERROR_CODES, pathId } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'

function admitted (value: unknown): CallSettingsDto {
  if (isCallSettingsDto(value)) return value
  throw new ApiError(DASHBOARD_ERROR_CODES.badResponse, 200, `the call settings are malformed (${isCallSettingsDto.problem(value) ?? ''})`)
}

export async function getCallSettings (residentId: string, signal?: AbortSignal): Promise<CallSettingsDto> {
  return admitted(await apiRequest<unknown>(`/api/residents/${pathId(residentId)}/call-settings`, { signal }))
}

export async function putCallSettings (residentId: string, autoAnswer: boolean): Promise<CallSettingsDto> {
  return admitted(await apiRequest<unknown>(`/api/residents/${pathId(residentId)}/call-settings`, { method: 'PUT', body: { autoAnswer } }))
}

export function useCallSettings (residentId: string) {
  return useQuery(`call-settings:${residentId}`, (signal) => getCallSettings(residentId, signal))
}
