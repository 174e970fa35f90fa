/** GET /api/residents/:id → the resident; 404 outside the caller's area. */
import { ApiError, apiRequest, DASHBOARD_ERROR_CODES, pathId } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'
import { toResident, type Resident } from '../../../lib/registry/resident.ts'

export async function getResident (id: string, signal?: AbortSignal): Promise<Resident> {
  const resident = toResident(await apiRequest<unknown>(`/api/residents/${pathId(id)}`, { signal }))
  if (resident === null) throw new ApiError(DASHBOARD_ERROR_CODES.badResponse, 200, 'the resident has no id or name')
  return resident
}

export function useResident (id: string | null) {
  return useQuery(id === null ? null : `resident:${id}`, (signal) => getResident(id ?? '', signal))
}
