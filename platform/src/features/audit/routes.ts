/**
 * GET /api/audit: the append-only log, for auditors and administrators, filtered. Entries are
 * scoped by the actor's area; entries with no actor at all (failed sign-ins for unknown names,
 * bootstrap) are visible only to users scoped to a root area. No route changes or deletes an entry.
 */
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { iso } from '../commands/service.ts'
import { Id, scopeOf, SqlFilter } from '../registry/scope.ts'

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
    const q = req.query
    const scope = scopeOf(req)
    const isRoot = scope.split('/').filter(Boolean).length === 1
    // Entries written without an area (by code that predates area_path) fall back to the actor's current area.
    const f = new SqlFilter([`(coalesce(l.area_path, (select a.path from users u join areas a on a.id = u.area_id where u.id = l.user_id)) like $1 || '%'
                     or (l.area_path is null and l.user_id is null and $2))`], [scope, isRoot])
    const add = f.add.bind(f)
    if (q.from) add('at >= ?', new Date(q.from))
    if (q.to) add('at < ?', new Date(q.to))
    if (q.action) q.action.endsWith('.') ? add(`action like ? || '%'`, q.action) : add('action = ?', q.action)
    if (q.username) add('lower(username) = lower(?)', q.username)
    if (q.userId) add('user_id = ?', q.userId)
    if (q.targetType) add('target_type = ?', q.targetType)
    if (q.targetId) add('target_id = ?', q.targetId)
    if (q.beforeId) add('id < ?', q.beforeId)
    const limit = q.limit ?? 200
    const { rows } = await app.db.query<Record<string, any>>(
      `select id, at, user_id, username, ip, action, target_type, target_id, data from audit_log l where ${f.sql} order by id desc limit ${f.param(limit)}`, f.params)
    const items = rows.map((r) => ({ id: Number(r.id), at: iso(r.at)!, userId: r.user_id, username: r.username, ip: r.ip, action: r.action, targetType: r.target_type, targetId: r.target_id, data: r.data }))
    return { items, nextBeforeId: items.length === limit ? items[items.length - 1].id : null }
  })
}
