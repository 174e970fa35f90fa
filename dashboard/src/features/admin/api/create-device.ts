/**
 * POST /api/devices {type, siteId, residentId?, parentId?, id?} → 201 {id, secret, …}. The secret
 * is shown this once and stored only as a hash ([P-1.2]): the console never keeps it.
 */
import type { DeviceType } from '@eldercare/protocols'
import { apiRequest } from '../../../lib/api-client.ts'

export interface CreateDeviceBody { type: DeviceType, siteId: string, residentId?: string, parentId?: string, id?: string }
export interface CreatedDevice { id: string, secret: string, type: string, siteId: string }

export function createDevice (body: CreateDeviceBody): Promise<CreatedDevice> {
  return apiRequest('/api/devices', { method: 'POST', body })
}
