/** GET /api/commands/:id → the command with its current status. */
import { apiRequest, pathId } from '../../../lib/api-client.ts'
import type { CommandRecord } from './send-device-command.ts'

export function getCommand (id: string, signal?: AbortSignal): Promise<CommandRecord> {
  return apiRequest<CommandRecord>(`/api/commands/${pathId(id)}`, { signal })
}
