/** GET /api/users → {items}: the accounts in the caller's area (administrators and auditors). */
import { isAccountDto, type AccountDto } from '@eldercare/protocols'
import { apiRequest } from '../../../lib/api-client.ts'
import { listItems } from '../../../lib/dto.ts'
import { useQuery } from '../../../lib/use-query.ts'

export type Account = AccountDto

export async function getUsers (signal?: AbortSignal): Promise<Account[]> {
  return listItems(await apiRequest<unknown>('/api/users', { signal }), isAccountDto, 'account')
}

export function useUsers () {
  return useQuery('users', getUsers)
}
