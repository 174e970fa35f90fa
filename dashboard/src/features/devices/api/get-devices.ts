/** GET /api/devices[?siteId] → {items}: the devices in the caller's area, or those of one site. */
import { apiRequest } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'
import { validDevices, type DeviceSummary } from '../lib/device.ts'

export async function getDevices (siteId: string | null = null, signal?: AbortSignal): Promise<DeviceSummary[]> {
  const query = siteId === null ? '' : `?siteId=${encodeURIComponent(siteId)}`
  const body = await apiRequest<{ items?: unknown }>(`/api/devices${query}`, { signal })
  return validDevices(body.items)
}

/** Every device of the caller's area, or with `siteId` those of one site (filtered by the platform). */
export function useDevices (siteId: string | null = null) {
  return useQuery(siteId === null ? 'devices' : `devices:${siteId}`, (signal) => getDevices(siteId, signal))
}
