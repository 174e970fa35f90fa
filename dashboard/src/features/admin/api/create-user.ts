/** POST /api/users {username, password, role, areaId, displayName?} → 201 the user (no password). */
import type { Role, UserDto } from '@eldercare/protocols'
import { apiRequest } from '../../../lib/api-client.ts'

export interface CreateUserBody { username: string, password: string, role: Role, areaId: string, displayName?: string }

export function createUser (body: CreateUserBody): Promise<UserDto> {
  return apiRequest('/api/users', { method: 'POST', body })
}
