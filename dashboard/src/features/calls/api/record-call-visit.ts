/** POST /api/calls/:id/visit {outcome, notes?} → 201 {visitId, …}: a completed call recorded as a visit (method video_call). */
import { apiRequest, pathId } from '../../../lib/api-client.ts'

export const CALL_VISIT_OUTCOMES = ['well', 'needs_help', 'not_home'] as const
export type CallVisitOutcome = (typeof CALL_VISIT_OUTCOMES)[number]

export function recordCallVisit (callId: string, outcome: CallVisitOutcome, notes: string): Promise<{ visitId: string }> {
  return apiRequest(`/api/calls/${pathId(callId)}/visit`, { method: 'POST', body: { outcome, ...(notes.trim() ? { notes: notes.trim() } : {}) } })
}
