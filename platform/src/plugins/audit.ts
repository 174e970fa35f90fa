import fp from 'fastify-plugin'
import type { Queryable } from '../db/db.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** the append-only audit log */
    audit: AuditLog
  }
}

export interface AuditEntry {
  userId?: string | null
  username?: string | null
  ip?: string | null
  /** e.g. `auth.login`, `auth.login_failed`, `device.create`, `incident.acknowledge` */
  action: string
  targetType?: string | null
  targetId?: string | null
  /** what changed; never secrets or unmasked personal data */
  data?: Record<string, unknown> | null
  /** the actor's area path: auditors see the entries of actors inside their own area */
  areaPath?: string | null
}

/** Append-only audit log: entries are inserted, never updated or deleted (a trigger of migration 0006 refuses both). */
export class AuditLog {
  constructor (private readonly db: Queryable) {}

  async write (e: AuditEntry, tx: Queryable = this.db): Promise<void> {
    await tx.query(
      `insert into audit_log (user_id, username, ip, action, target_type, target_id, data, area_path) values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [e.userId ?? null, e.username ?? null, e.ip ?? null, e.action, e.targetType ?? null, e.targetId ?? null, e.data ? JSON.stringify(e.data) : null, e.areaPath ?? null])
  }
}

export const auditPlugin = fp(async (app) => {
  app.decorate('audit', new AuditLog(app.db))
}, { name: 'audit', dependencies: ['db'], decorators: { fastify: ['db'] } })
