/** PATCH /api/residents/:id {flags}: the plans' groups recorded by hand, each its own flag (administrators, `registry.write`). */
import { apiRequest, pathId } from '../../../lib/api-client.ts'

export function updateResidentGroups (residentId: string, flags: string[]): Promise<unknown> {
  return apiRequest(`/api/residents/${pathId(residentId)}`, { method: 'PATCH', body: { flags } })
}
