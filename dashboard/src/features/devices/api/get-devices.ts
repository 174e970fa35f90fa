/** GET /api/devices → {items}: every device in the caller's area (no server-side filter yet). */
import { apiRequest } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'
import { toDevice, type DeviceSummary } from '../lib/device.ts'

export async function getDevices (signal?: AbortSignal): Promise<DeviceSummary[]> {
  const body = await apiRequest<{ items?: unknown }>('/api/devices', { signal })
  return Array.isArray(body.items) ? body.items.map(toDevice).filter((d): d is DeviceSummary => d !== null) : []
}

export function useDevices () {
  return useQuery('devices', getDevices)
}
