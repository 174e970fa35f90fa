/** GET /api/users → {items}: the accounts in the caller's area (administrators and auditors). */
import type { Role } from '@eldercare/protocols'
import { apiRequest } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'

export interface Account {
  id: string
  username: string
  role: Role
  areaId: string
  areaName: string | null
  displayName: string | null
  disabled: boolean
  createdAt: string
}

export async function getUsers (signal?: AbortSignal): Promise<Account[]> {
  const body = await apiRequest<{ items?: unknown }>('/api/users', { signal })
  return Array.isArray(body.items) ? (body.items as Account[]).filter((u) => typeof u?.id === 'string' && typeof u.username === 'string') : []
}

export function useUsers () {
  return useQuery('users', getUsers)
}
