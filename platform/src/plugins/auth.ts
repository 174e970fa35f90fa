/**
 * Who is calling: `app.authenticate` resolves the bearer token to its user (request.user);
 * `app.requireCapability` checks the role → capability table of protocols/src/capabilities.ts,
 * the same table the console's buttons read. `app.requireRole` stays for a check by role.
 */
import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import { rolesWith, roleCan, type Capability, type Role } from '@eldercare/protocols'
import { userForToken, type AuthUser } from '../features/auth/sessions.ts'
import { errors } from '../errors.ts'

export type { AuthUser }

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
