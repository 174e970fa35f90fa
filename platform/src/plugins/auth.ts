/**
 * Who is calling: `app.authenticate` resolves the bearer token to its user (request.user);
 * `app.requireCapability` checks the role → capability table of protocols/src/capabilities.ts,
 * the same table the console's buttons read. `app.requireRole` stays for a check by role.
 */
import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import { rolesWith, roleCan, type Capability, type Role } from '@eldercare/protocols'
import { hashToken } from '../features/auth/tokens.ts'
import { errors } from '../errors.ts'
import type { Queryable } from '../db/db.ts'

/** The operator behind a request or socket, with the area subtree they may see. */
export interface AuthUser {
  id: string
  username: string
  role: Role
  areaId: string
  /** materialised path of the user's area; every visible record's area path starts with it */
  areaPath: string
  tokenHash: string
}

type Guard = (req: FastifyRequest) => Promise<void>

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler: requires a valid bearer token */
    authenticate: Guard
    /** preHandler factory: requires one of the roles (after authenticate) */
    requireRole: (...roles: Role[]) => Guard
    /** preHandler factory: requires the capability (after authenticate); the guard carries it as `.capability` */
    requireCapability: (capability: Capability) => Guard & { capability: Capability }
  }
  interface FastifyRequest {
    user: AuthUser
  }
}

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
  app.decorate('requireCapability', (capability: Capability) => Object.assign(async (req: FastifyRequest) => {
    if (!roleCan(req.user.role, capability)) throw errors.FORBIDDEN(`this needs the role ${rolesWith(capability).join(' or ')} (${capability})`)
  }, { capability }))
}, { name: 'auth', dependencies: ['db'], decorators: { fastify: ['db'] } })
