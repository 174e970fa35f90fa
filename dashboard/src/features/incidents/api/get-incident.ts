/** GET /api/incidents/:id → the incident with its timeline. */
import { isIncidentDetailDto, type IncidentDetailDto } from '@eldercare/protocols'
import { ApiError, apiRequest, DASHBOARD_ERROR_CODES, pathId } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'

export async function getIncident (id: string, signal?: AbortSignal): Promise<IncidentDetailDto> {
  const body = await apiRequest<unknown>(`/api/incidents/${pathId(id)}`, { signal })
  if (!isIncidentDetailDto(body)) throw new ApiError(DASHBOARD_ERROR_CODES.badResponse, 200, `the incident breaks the contract at ${isIncidentDetailDto.problem(body) ?? '/'}`)
  return body
}

/** The detail of `id` (null: nothing selected). */
export function useIncident (id: string | null) {
  return useQuery(id, (signal) => getIncident(id ?? '', signal))
}
