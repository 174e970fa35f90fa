/**
 * The response policy (issue 5): GET /api/policies/response → the policy in force plus `defaults`;
 * PUT replaces it (supervisors and admins; applies to alarms and deadlines from now on);
 * DELETE goes back to the defaults.
 */
import type { PriorityPolicy, SlaPolicy } from '@eldercare/protocols'
import { apiRequest } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'

export interface ResponsePolicy { priority: PriorityPolicy, sla: SlaPolicy }

export async function getResponsePolicy (signal?: AbortSignal): Promise<ResponsePolicy> {
  const body = await apiRequest<ResponsePolicy & { defaults?: unknown }>('/api/policies/response', { signal })
  // Only the policy itself goes back in a PUT (the schema refuses extra keys).
  return { priority: body.priority, sla: body.sla }
}

export function useResponsePolicy () {
  return useQuery('response-policy', getResponsePolicy)
}

export function putResponsePolicy (policy: ResponsePolicy): Promise<ResponsePolicy> {
  return apiRequest('/api/policies/response', { method: 'PUT', body: policy })
}

export function resetResponsePolicy (): Promise<ResponsePolicy> {
  return apiRequest('/api/policies/response', { method: 'DELETE' })
}
