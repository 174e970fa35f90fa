/** GET /api/reports/roster?areaId&groups&month: the residents in every group asked for, with family bed, the month's visit and the latest assessment. */
import { isRosterDto, type RosterDto } from '@eldercare/protocols'
import { apiRequest } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'
import { checkedDto } from '../../../lib/dto.ts'

export type Roster = RosterDto
export type RosterItem = RosterDto['items'][number]

export function rosterParams (areaId: string | null, groups: readonly string[], month: string): URLSearchParams {
  const p = new URLSearchParams({ groups: groups.join(','), month })
  if (areaId !== null) p.set('areaId', areaId)
  return p
}

export async function getRoster (params: URLSearchParams, signal?: AbortSignal): Promise<Roster> {
  return checkedDto(await apiRequest<unknown>(`/api/reports/roster?${params.toString()}`, { signal }), isRosterDto, 'roster')
}

/** Nothing is asked while no group is chosen (the platform needs one). */
export function useRoster (params: URLSearchParams | null) {
  const key = params === null ? null : params.toString()
  return useQuery(key === null ? null : `roster:${key}`, async (signal) => await getRoster(new URLSearchParams(key ?? ''), signal))
}
