/** POST /api/incidents/:id/resolve {outcome, note?} → the updated incident. */
import { isSuggestedStatusDto, type IncidentDto, type Outcome, type SuggestedStatusDto } from '@eldercare/protocols'
import { apiRequest, pathId } from '../../../lib/api-client.ts'
import { useMutation } from '../../../lib/use-mutation.ts'

export interface Resolution {
  outcome: Outcome
  note?: string
}

/** The resolved incident; an outcome of `deceased` also offers the resident's status change (issue 16), never applied by itself. */
export type Resolved = IncidentDto & { suggestedStatus?: SuggestedStatusDto }

export async function resolveIncident (id: string, resolution: Resolution): Promise<Resolved> {
  const answer = await apiRequest<Resolved>(`/api/incidents/${pathId(id)}/resolve`, { method: 'POST', body: resolution })
  // an offer that breaks the contract is not offered: the resolution itself stands
  if (answer.suggestedStatus !== undefined && !isSuggestedStatusDto(answer.suggestedStatus)) {
    const { suggestedStatus: _dropped, ...rest } = answer
    return rest
  }
  return answer
}

export function useResolveIncident () {
  return useMutation(resolveIncident)
}
