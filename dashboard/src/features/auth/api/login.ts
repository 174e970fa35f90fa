/** POST /api/auth/login {username, password} → LoginResponse. A 401 here means wrong credentials. */
import { isLoginResponse, type LoginResponse } from '@eldercare/protocols'
import { ApiError, apiRequest, DASHBOARD_ERROR_CODES } from '../../../lib/api-client.ts'
import { useMutation } from '../../../lib/use-mutation.ts'

export interface Credentials {
  username: string
  password: string
}

export async function login (credentials: Credentials): Promise<LoginResponse> {
  const body = await apiRequest<unknown>('/api/auth/login', { method: 'POST', body: credentials })
  if (!isLoginResponse(body)) throw new ApiError(DASHBOARD_ERROR_CODES.badResponse, 200, `the login answer breaks the contract at ${isLoginResponse.problem(body) ?? '/'}`)
  return body
}

export function useLogin () {
  return useMutation(login)
}
