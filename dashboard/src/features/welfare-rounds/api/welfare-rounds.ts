/**
 * Welfare rounds: GET /api/welfare-rounds → {items} (newest first, with their figures),
 * GET /api/welfare-rounds/:id → the round's progress, POST /api/welfare-rounds {areaId, message,
 * deadline, onUnconfirmed?} → 201 the round.
 */
import { isWelfareRoundDto, isWelfareRoundSummaryDto, type WelfareRoundDto, type WelfareRoundSummaryDto } from '@eldercare/protocols'
import { apiRequest, pathId } from '../../../lib/api-client.ts'
import { checkedDto, listItems } from '../../../lib/dto.ts'
import { useQuery } from '../../../lib/use-query.ts'

export type WelfareRoundSummary = WelfareRoundSummaryDto

export async function getWelfareRounds (signal?: AbortSignal): Promise<WelfareRoundSummary[]> {
  return listItems(await apiRequest<unknown>('/api/welfare-rounds', { signal }), isWelfareRoundSummaryDto, 'welfare round')
}

export function useWelfareRounds () {
  return useQuery('welfare-rounds', getWelfareRounds)
}

export function useWelfareRound (id: string | null, generation: number) {
  return useQuery(id === null ? null : `welfare-round:${id}:${generation}`, async (signal) => checkedDto(await apiRequest<unknown>(`/api/welfare-rounds/${pathId(id!)}`, { signal }), isWelfareRoundDto, 'welfare round'))
}

export function startWelfareRound (input: { areaId: string, message: string, deadline: string, onUnconfirmed: 'incident' | 'visit' }): Promise<WelfareRoundDto> {
  return apiRequest('/api/welfare-rounds', { method: 'POST', body: input })
}
