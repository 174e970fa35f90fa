/** Reading the audit log (writing it is plugins/audit.ts): filtered, newest first, confined to the caller's area. */
import type { Queryable } from '../../db/db.ts'
import { iso } from '../commands/service.ts'
import { SqlFilter } from '../registry/scope.ts'

export interface AuditFilter {
  from?: string, to?: string, action?: string, username?: string, userId?: string, targetType?: string, targetId?: string, beforeId?: number
}

/**
 * Entries whose actor's area is inside `scope`; entries with no actor at all (failed sign-ins for
 * unknown names, bootstrap) only for a root-area scope.
 */
export async function listAuditEntries (db: Queryable, scope: string, q: AuditFilter, limit: number) {
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
  const { rows } = await db.query<Record<string, any>>(
    `select id, at, user_id, username, ip, action, target_type, target_id, data from audit_log l where ${f.sql} order by id desc limit ${f.param(limit)}`, f.params)
  return rows.map((r) => ({ id: Number(r.id), at: iso(r.at)!, userId: r.user_id, username: r.username, ip: r.ip, action: r.action, targetType: r.target_type, targetId: r.target_id, data: r.data }))
}
