/** GET /api/residents → {items}: residents in the caller's area (sensitive fields masked). */
import { apiRequest } from '../api-client.ts'
import { useQuery } from '../use-query.ts'
import { isResidentDto } from '@eldercare/protocols'
import { listItems } from '../dto.ts'
import type { Resident } from './resident.ts'

export async function getResidents (signal?: AbortSignal): Promise<Resident[]> {
  return listItems(await apiRequest<unknown>('/api/residents', { signal }), isResidentDto, 'resident')
}

export function useResidents () {
  return useQuery('residents', getResidents)
}
