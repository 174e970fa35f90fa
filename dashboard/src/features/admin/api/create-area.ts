/** POST /api/areas {name, level, parentId?} → 201 the area (admin only). */
import type { AreaLevel } from '@eldercare/protocols'
import { apiRequest } from '../../../lib/api-client.ts'

export interface CreateAreaBody { name: string, level: AreaLevel, parentId?: string }

export function createArea (body: CreateAreaBody): Promise<{ id: string, name: string }> {
  return apiRequest('/api/areas', { method: 'POST', body })
}
