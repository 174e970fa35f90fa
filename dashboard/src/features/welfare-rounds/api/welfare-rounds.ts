/**
 * Welfare rounds: GET /api/welfare-rounds → {items} (newest first, with their figures),
 * GET /api/welfare-rounds/:id → the round's progress, POST /api/welfare-rounds {areaId, message,
 * deadline, onUnconfirmed?} → 201 the round.
 */
import type { WelfareRoundDto } from '@eldercare/protocols'
import { apiRequest, pathId } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'

export type WelfareRoundSummary = Omit<WelfareRoundDto, 'byCommunity' | 'unconfirmedResidents'>

export async function getWelfareRounds (signal?: AbortSignal): Promise<WelfareRoundSummary[]> {
  const body = await apiRequest<{ items?: unknown }>('/api/welfare-rounds', { signal })
  return Array.isArray(body.items) ? body.items as WelfareRoundSummary[] : []
}

export function useWelfareRounds () {
  return useQuery('welfare-rounds', getWelfareRounds)
}

export function useWelfareRound (id: string | null, generation: number) {
  return useQuery(id === null ? null : `welfare-round:${id}:${generation}`, (signal) => apiRequest<WelfareRoundDto>(`/api/welfare-rounds/${pathId(id!)}`, { signal }))
}

export function startWelfareRound (input: { areaId: string, message: string, deadline: string, onUnconfirmed: 'incident' | 'visit' }): Promise<WelfareRoundDto> {
  return apiRequest('/api/welfare-rounds', { method: 'POST', body: input })
}
