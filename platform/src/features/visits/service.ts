/**
 * Visits' SQL (探访关爱): plans, records, lists, overdue; the monthly figures are in
 * registry/stats.ts. A visit that needs follow-up becomes an inbox row the incident engine
 * applies like any alarm (features/incidents/system-alarms.ts: source `visit`, type `visit_follow_up`).
 */
import { randomUUID } from 'node:crypto'
import type { Queryable } from '../../db/db.ts'
import { errors } from '../../errors.ts'
import { iso } from '../commands/service.ts'
import { SYSTEM_SOURCES, writeSystemAlarm } from '../incidents/system-alarms.ts'
import { FLAGGED_SQL } from '../registry/stats.ts'
import { SqlFilter } from '../registry/scope.ts'

/** The outcomes are the contract's (protocols/src/dto.ts), shared with the console. */
export { VISIT_OUTCOMES } from '@eldercare/protocols'

// The follow-up's incident is the one its inbox row opened (set on the visit once the engine has run).
const SELECT = `select v.*, coalesce(v.incident_id, ib.incident_id) as incident_id, r.name as resident_name, a.id as area_id, a.name as area_name, a.path as area_path
  from visits v join residents r on r.id = v.resident_id join sites s on s.id = r.site_id join areas a on a.id = s.area_id
  left join inbox ib on ib.device_id = '${SYSTEM_SOURCES.visit}' || v.id and ib.msg_id = v.id`

export type VisitRow = Record<string, any>

export const visitDto = (r: VisitRow) => ({
  id: r.id, residentId: r.resident_id, residentName: r.resident_name, areaId: r.area_id, areaName: r.area_name,
  dueDate: iso(r.due_date)!.slice(0, 10), status: r.status,
  visitor: { userId: r.visitor_user_id, name: r.visitor_name, phone: r.visitor_phone },
  plannedBy: r.planned_by, visitedAt: iso(r.visited_at), recordedBy: r.recorded_by, outcome: r.outcome, notes: r.notes,
  followUpNeeded: r.follow_up_needed, incidentId: r.incident_id, createdAt: iso(r.created_at), method: r.method ?? 'home'
})

export interface Visitor { visitorUserId?: string, visitorName?: string, visitorPhone?: string }
export interface VisitListFilter { status?: string, areaId?: string, residentId?: string, dueFrom?: string, dueTo?: string, limit?: number }
export interface VisitRecord { visitedAt: Date, outcome: string, notes?: string, followUpNeeded: boolean, visitorName?: string, recordedBy: string, method?: string }

/** The resident status a visit outcome points to, to offer to the recorder (issue 16); null when none. */
export function statusSuggestedBy (outcome: string, at: Date): { status: 'deceased' | 'moved_out' | 'in_hospital', statusSince: string } | null {
  const status = ({ deceased: 'deceased', moved_away: 'moved_out', hospitalised: 'in_hospital' } as const)[outcome as 'deceased']
  return status ? { status, statusSince: at.toISOString() } : null
}

export async function visitInScope (q: Queryable, id: string, scopePath: string): Promise<VisitRow> {
  const { rows } = await q.query<VisitRow>(`${SELECT} where v.id = $1 and a.path like $2 || '%'`, [id, scopePath])
  if (!rows[0]) throw errors.NOT_FOUND('visit')
  return rows[0]
}

/** A named visitor must be a user inside the planner's area. */
export async function checkVisitor (q: Queryable, userId: string | undefined, scopePath: string): Promise<void> {
  if (!userId) return
  const { rows } = await q.query(`select 1 from users u join areas a on a.id = u.area_id where u.id = $1 and a.path like $2 || '%'`, [userId, scopePath])
  if (!rows[0]) throw errors.VALIDATION('visitorUserId must name a user inside your area')
}

export async function insertVisit (q: Queryable, residentId: string, dueDate: string, v: Visitor, plannedBy: string): Promise<string> {
  const id = randomUUID()
  await q.query(`insert into visits (id, resident_id, due_date, visitor_user_id, visitor_name, visitor_phone, planned_by) values ($1, $2, $3, $4, $5, $6, $7)`,
    [id, residentId, dueDate, v.visitorUserId ?? null, v.visitorName ?? null, v.visitorPhone ?? null, plannedBy])
  return id
}

/**
 * Flagged residents of the area with no visit planned (due that month) or done (visited between
 * the month's local midnights `start`..`end`): due dates are calendar dates, visits instants.
 */
export async function residentsWithoutVisit (q: Queryable, areaPath: string, start: Date, end: Date, month: string, nextMonth: string): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(`
    select r.id from residents r join sites s on s.id = r.site_id join areas a on a.id = s.area_id
     where a.path like $1 || '%' and ${FLAGGED_SQL}
       -- visits pause in hospital and end with moving out or death (issue 16)
       and r.status = 'active'
       and not exists (select 1 from visits v where v.resident_id = r.id and v.status <> 'cancelled'
                        and ((v.due_date >= $4::date and v.due_date < $5::date) or (v.visited_at >= $2 and v.visited_at < $3)))`,
  [areaPath, start, end, `${month}-01`, `${nextMonth}-01`])
  return rows.map((r) => r.id)
}

export async function listVisits (q: Queryable, scopePath: string, f: VisitListFilter): Promise<VisitRow[]> {
  const w = new SqlFilter([`a.path like $1 || '%'`], [scopePath])
  if (f.status) w.add('v.status = ?', f.status)
  if (f.areaId) w.add(`a.path like '%/' || ? || '/%'`, f.areaId)
  if (f.residentId) w.add('v.resident_id = ?', f.residentId)
  if (f.dueFrom) w.add('v.due_date >= ?::date', f.dueFrom)
  if (f.dueTo) w.add('v.due_date <= ?::date', f.dueTo)
  const { rows } = await q.query<VisitRow>(`${SELECT} where ${w.sql} order by v.due_date, v.id limit ${w.param(f.limit ?? 1000)}`, w.params)
  return rows
}

/**
 * Planned visits past due, of residents at home only: visits pause while a resident is in
 * hospital (and end with moving out or death), so theirs are not overdue (issue 16).
 */
export async function overdueVisits (q: Queryable, areaPath: string, day: string): Promise<VisitRow[]> {
  const { rows } = await q.query<VisitRow>(`${SELECT} where a.path like $1 || '%' and v.status = 'planned' and v.due_date < $2::date and r.status = 'active' order by v.due_date, v.id limit 5000`, [areaPath, day])
  return rows
}

/**
 * Records a planned visit as done; with a follow-up, writes the inbox row that opens its incident
 * and returns the row's `seq` (the caller wakes the engine once committed).
 */
export async function recordVisit (tx: Queryable, v: VisitRow, r: VisitRecord, at: Date): Promise<string | null> {
  if (v.status !== 'planned') throw errors.VISIT_NOT_PLANNED(v.status, 'recorded')
  await tx.query(`update visits set status = 'done', visited_at = $2, outcome = $3, notes = $4, follow_up_needed = $5, recorded_by = $6,
                  visitor_name = coalesce($7, visitor_name), method = coalesce($8, method) where id = $1`,
  [v.id, r.visitedAt, r.outcome, r.notes ?? null, r.followUpNeeded, r.recordedBy, r.visitorName ?? null, r.method ?? null])
  if (!r.followUpNeeded) return null
  // Visit notes may be personal: the row carries the outcome only.
  return writeSystemAlarm(tx, { source: 'visit', ref: v.id, msgId: v.id, type: 'visit_follow_up', residentId: v.resident_id, at, payload: { visitId: v.id, outcome: r.outcome } })
}

export async function setVisitIncident (q: Queryable, visitId: string, incidentId: string): Promise<void> {
  await q.query('update visits set incident_id = $2 where id = $1', [visitId, incidentId])
}

export async function cancelVisit (tx: Queryable, v: VisitRow): Promise<void> {
  if (v.status !== 'planned') throw errors.VISIT_NOT_PLANNED(v.status, 'cancelled')
  await tx.query(`update visits set status = 'cancelled' where id = $1`, [v.id])
}
