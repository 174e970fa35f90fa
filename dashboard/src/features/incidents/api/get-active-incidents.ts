/**
 * GET /api/incidents?status=active → {items: IncidentDto[]}: every incident not yet resolved or
 * closed. Its hook is `useLiveQueue` (hooks/use-live-queue.ts), which keeps this snapshot
 * current with socket events and fetches it again after every reconnect.
 */
import type { IncidentDto } from '@eldercare/protocols'
import { appConfig } from '../../../config/app-config.ts'
import { apiRequest } from '../../../lib/api-client.ts'
import { validIncidents } from '../lib/incident-guard.ts'

export async function getActiveIncidents (signal?: AbortSignal): Promise<IncidentDto[]> {
  const body = await apiRequest<{ items?: unknown }>(`/api/incidents?status=active&limit=${appConfig.activeIncidentsLimit}`, { signal })
  return validIncidents(body.items)
}
