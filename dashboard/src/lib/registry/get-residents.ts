/** GET /api/residents → {items}: residents in the caller's area (sensitive fields masked). */
import { apiRequest } from '../api-client.ts'
import { useQuery } from '../use-query.ts'
import { toResident, type Resident } from './resident.ts'

export async function getResidents (signal?: AbortSignal): Promise<Resident[]> {
  const body = await apiRequest<{ items?: unknown }>('/api/residents', { signal })
  return Array.isArray(body.items) ? body.items.map(toResident).filter((r): r is Resident => r !== null) : []
}

export function useResidents () {
  return useQuery('residents', getResidents)
}
