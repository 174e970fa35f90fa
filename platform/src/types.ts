import type { Role } from '@eldercare/protocols'
import type { Db } from './db/db.ts'
import type { Realtime } from './plugins/realtime.ts'
import type { AuditLog } from './plugins/audit.ts'
import type { CommandService } from './features/commands/service.ts'
import type { IncidentService } from './features/incidents/service.ts'
import type { FieldCrypto } from './plugins/field-crypto.ts'

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

declare module 'fastify' {
  interface FastifyInstance {
    db: Db
    realtime: Realtime
    audit: AuditLog
    incidents: IncidentService
    commands: CommandService
    /** encrypts/decrypts sensitive fields at rest */
    fieldCrypto: FieldCrypto
    /** preHandler: requires a valid bearer token */
    authenticate: (req: FastifyRequest) => Promise<void>
    /** preHandler factory: requires one of the roles (after authenticate) */
    requireRole: (...roles: Role[]) => (req: FastifyRequest) => Promise<void>
  }
  interface FastifyRequest {
    user: AuthUser
  }
}
