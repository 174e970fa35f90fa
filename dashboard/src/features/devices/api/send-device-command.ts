/**
 * POST /api/devices/:id/commands {type, args?} → 202 {id, status: 'sent'}; the outcome
 * (`acked | failed | timed_out`) is read later from GET /api/commands/:id ([P-3.5], [P-3.6]).
 */
import type { CommandType } from '@eldercare/protocols'
import { apiRequest, pathId } from '../../../lib/api-client.ts'

export type CommandStatus = 'sent' | 'acked' | 'failed' | 'timed_out'

export interface CommandRecord {
  id: string
  deviceId: string
  type: string
  status: CommandStatus
  doneAt: string | null
  error: string | null
}

export function sendDeviceCommand (deviceId: string, type: CommandType, args?: Record<string, unknown>): Promise<CommandRecord> {
  return apiRequest<CommandRecord>(`/api/devices/${pathId(deviceId)}/commands`, { method: 'POST', body: args === undefined ? { type } : { type, args } })
}
