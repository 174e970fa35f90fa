import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import type { Role } from '@eldercare/protocols'
import { hashToken } from '../features/auth/tokens.ts'
import { errors } from '../errors.ts'
import type { Queryable } from '../db/db.ts'
import type { AuthUser } from '../types.ts'

/** Resolves a bearer token to its user, or null when unknown, expired, revoked or the user is disabled. */
export async function userForToken (db: Queryable, token: string): Promise<AuthUser | null> {
  const tokenHash = hashToken(token)
  const { rows } = await db.query<{ id: string, username: string, role: Role, area_id: string, path: string }>(
    `select u.id, u.username, u.role, u.area_id, a.path
       from auth_tokens t join users u on u.id = t.user_id join areas a on a.id = u.area_id
      where t.token_hash = $1 and t.revoked_at is null and t.expires_at > now() and not u.disabled`, [tokenHash])
  const r = rows[0]
  return r ? { id: r.id, username: r.username, role: r.role, areaId: r.area_id, areaPath: r.path, tokenHash } : null
}

export function bearer (header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '')
  return m ? m[1] : null
}

export const authPlugin = fp(async (app) => {
  app.decorateRequest('user', null as unknown as AuthUser)
  app.decorate('authenticate', async (req: FastifyRequest) => {
    const token = bearer(req.headers.authorization)
    if (!token) throw errors.UNAUTHORIZED('sign in first: send Authorization: Bearer <token>')
    const user = await userForToken(app.db, token)
    if (!user) throw errors.UNAUTHORIZED('the session has expired or was signed out; sign in again')
    req.user = user
  })
  app.decorate('requireRole', (...roles: Role[]) => async (req: FastifyRequest) => {
    if (!roles.includes(req.user.role)) throw errors.FORBIDDEN(`this needs the role ${roles.join(' or ')}`)
  })
}, { name: 'auth', dependencies: ['db'] })
