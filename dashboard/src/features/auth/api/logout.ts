/** POST /api/auth/logout: the platform revokes the token. */
import { apiRequest } from '../../../lib/api-client.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { endSession } from '../session.ts'

export async function logout (): Promise<void> {
  try {
    await apiRequest<unknown>('/api/auth/logout', { method: 'POST', unauthorizedEndsSession: false })
  } finally {
    // Leave even when the server cannot be reached: the operator asked to go.
    endSession('logout')
  }
}

export function useLogout () {
  return useMutation(logout)
}
