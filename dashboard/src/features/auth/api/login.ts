/** POST /api/auth/login {username, password} → LoginResponse. A 401 here means wrong credentials. */
import type { LoginResponse } from '@eldercare/protocols'
import { apiRequest } from '../../../lib/api-client.ts'
import { useMutation } from '../../../lib/use-mutation.ts'

export interface Credentials {
  username: string
  password: string
}

export function login (credentials: Credentials): Promise<LoginResponse> {
  return apiRequest<LoginResponse>('/api/auth/login', { method: 'POST', body: credentials })
}

export function useLogin () {
  return useMutation(login)
}
