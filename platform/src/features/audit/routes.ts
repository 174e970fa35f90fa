/**
 * GET /api/audit: the append-only log, for auditors and administrators, filtered. Entries are
 * scoped by the actor's area; entries with no actor at all (failed sign-ins for unknown names,
 * bootstrap) are visible only to users scoped to a root area. No route changes or deletes an entry.
 */
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { Id, scopeOf } from '../registry/scope.ts'
import { listAuditEntries } from './repository.ts'

const AuditQuery = Type.Object({
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
  action: Type.Optional(Type.String({ maxLength: 64, description: 'exact action, or a prefix ending in "." (e.g. "resident.")' })),
  username: Type.Optional(Type.String({ maxLength: 64 })),
  userId: Type.Optional(Id),
  targetType: Type.Optional(Type.String({ maxLength: 32 })),
  targetId: Type.Optional(Id),
  /** page backwards: entries with id below this */
  beforeId: Type.Optional(Type.Integer({ minimum: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 }))
}, { additionalProperties: false })
const Entry = Type.Object({
  id: Type.Integer(), at: Type.String(), userId: Type.Union([Type.String(), Type.Null()]), username: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]), action: Type.String(), targetType: Type.Union([Type.String(), Type.Null()]),
  targetId: Type.Union([Type.String(), Type.Null()]), data: Type.Unknown()
})

export const auditRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: Static<typeof AuditQuery> }>('/api/audit', {
    schema: { tags: ['audit'], summary: 'Audit log entries, newest first', querystring: AuditQuery, response: { 200: Type.Object({ items: Type.Array(Entry), nextBeforeId: Type.Union([Type.Integer(), Type.Null()]) }) } },
    preHandler: [app.authenticate, app.requireCapability('audit.read')]
  }, async (req) => {
    const limit = req.query.limit ?? 200
    const items = await listAuditEntries(app.db, scopeOf(req), req.query, limit)
    return { items, nextBeforeId: items.length === limit ? items[items.length - 1].id : null }
  })
}
