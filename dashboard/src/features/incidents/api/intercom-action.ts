/**
 * POST /api/incidents/:id/intercom/:action (answer | hangup | unlock) → {command: {id, status, type}}:
 * the command goes to the site's intercom ([P-3.5] intercom.*). 404 when the site has none.
 */
import { apiRequest, pathId } from '../../../lib/api-client.ts'

export const INTERCOM_ACTIONS = ['answer', 'hangup', 'unlock'] as const
export type IntercomAction = (typeof INTERCOM_ACTIONS)[number]

export function intercomAction (incidentId: string, action: IntercomAction): Promise<{ command: { id: string, status: string, type: string } }> {
  return apiRequest(`/api/incidents/${pathId(incidentId)}/intercom/${action}`, { method: 'POST', body: {} })
}
