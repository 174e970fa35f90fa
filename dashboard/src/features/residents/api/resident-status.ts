/**
 * A resident's status with its date (issue 16): GET /api/residents/:id/status-history and
 * PUT /api/residents/:id/status {status, statusSince, reason?}. The platform records the same
 * status from the same date once (`recorded: false` the second time).
 */
import { isStatusChangeDto, isStatusHistoryDto, type ResidentStatus, type StatusChangeDto, type StatusHistoryDto } from '@eldercare/protocols'
import { apiRequest, pathId } from '../../../lib/api-client.ts'
import { checkedDto } from '../../../lib/dto.ts'
import { useQuery } from '../../../lib/use-query.ts'

export interface StatusChange { status: ResidentStatus, statusSince: string, reason?: string }

export async function getStatusHistory (residentId: string, signal?: AbortSignal): Promise<StatusHistoryDto> {
  return checkedDto(await apiRequest<unknown>(`/api/residents/${pathId(residentId)}/status-history`, { signal }), isStatusHistoryDto, 'status history')
}

export function useStatusHistory (residentId: string, enabled: boolean) {
  return useQuery(enabled ? `status-history:${residentId}` : null, (signal) => getStatusHistory(residentId, signal))
}

export async function setResidentStatus (residentId: string, change: StatusChange): Promise<StatusChangeDto> {
  return checkedDto(await apiRequest<unknown>(`/api/residents/${pathId(residentId)}/status`, { method: 'PUT', body: change }), isStatusChangeDto, 'status change')
}
