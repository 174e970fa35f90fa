/**
 * POST /api/residents/:id/reveal/:field {reason?} → {value}: one sensitive field in clear. The
 * platform writes an audit entry (who, when, why) before it answers; the console keeps the value
 * only on screen, never in storage.
 */
import { apiRequest, pathId } from '../../../lib/api-client.ts'

export type RevealField = 'key-safe-code' | 'phone' | 'contact-phones'

export interface RevealedContact { name: string, relation: string | null, phone: string }

export async function revealResidentField (residentId: string, field: RevealField, reason: string): Promise<unknown> {
  const body = await apiRequest<{ value?: unknown }>(`/api/residents/${pathId(residentId)}/reveal/${field}`, { method: 'POST', body: { reason } })
  return body.value ?? null
}
