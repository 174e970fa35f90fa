/**
 * Visits (探访关爱): residents flagged as living alone, empty-nest, left-behind or in special
 * difficulty need a visit at least monthly. Plan, record, list overdue, coverage per area and
 * month (target 100%). A visit that needs follow-up writes an inbox row (derived/visit_follow_up)
 * that the incident engine turns into a P3 incident, like any alarm: announced and the family told.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Queryable } from '../../db/db.ts'
import { errors } from '../../errors.ts'
import { iso } from '../commands/service.ts'
import { VISIT_SOURCE_PREFIX } from '../incidents/engine.ts'
import { FLAGGED_SQL, overdueByArea, visitCoverage } from '../registry/stats.ts'
import { DEFAULT_TIME_ZONE, lastDayOf, localDate, monthBounds, monthOf } from '../../lib/local-time.ts'
import { auditFor, DATE_PATTERN, Id, IdParams, literalUnion, PHONE_PATTERN, residentInScope, scopeFor, scopeOf, SqlFilter } from '../registry/scope.ts'

export const VISIT_OUTCOMES = ['well', 'needs_help', 'not_home', 'hospitalised', 'moved_away', 'deceased'] as const
const MONTH_PATTERN = '^\\d{4}-(0[1-9]|1[0-2])$'

const Visitor = {
  visitorUserId: Type.Optional(Id),
  visitorName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  visitorPhone: Type.Optional(Type.String({ pattern: PHONE_PATTERN }))
}
const PlanBody = Type.Object({ residentId: Id, dueDate: Type.String({ pattern: DATE_PATTERN }), ...Visitor }, { additionalProperties: false })
const PlanMonthBody = Type.Object({
  month: Type.String({ pattern: MONTH_PATTERN }), areaId: Type.Optional(Id),
  dueDate: Type.Optional(Type.String({ pattern: DATE_PATTERN, description: 'default: the last day of the month' })), ...Visitor
}, { additionalProperties: false })
const RecordBody = Type.Object({
  visitedAt: Type.String({ format: 'date-time' }), outcome: literalUnion(VISIT_OUTCOMES),
  notes: Type.Optional(Type.String({ maxLength: 2000 })), followUpNeeded: Type.Boolean(),
  visitorName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 }))
}, { additionalProperties: false })
const ListQuery = Type.Object({
  status: Type.Optional(literalUnion(['planned', 'done', 'cancelled'] as const)), areaId: Type.Optional(Id), residentId: Type.Optional(Id),
  dueFrom: Type.Optional(Type.String({ pattern: DATE_PATTERN })), dueTo: Type.Optional(Type.String({ pattern: DATE_PATTERN })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 }))
}, { additionalProperties: false })
const AreaQuery = Type.Object({ areaId: Type.Optional(Id) }, { additionalProperties: false })
const CoverageQuery = Type.Object({ areaId: Type.Optional(Id), month: Type.Optional(Type.String({ pattern: MONTH_PATTERN })) }, { additionalProperties: false })

// The follow-up's incident is the one its inbox row opened (set on the visit once the engine has run).
const SELECT = `select v.*, coalesce(v.incident_id, ib.incident_id) as incident_id, r.name as resident_name, a.id as area_id, a.name as area_name, a.path as area_path
  from visits v join residents r on r.id = v.resident_id join sites s on s.id = r.site_id join areas a on a.id = s.area_id
  left join inbox ib on ib.device_id = '${VISIT_SOURCE_PREFIX}' || v.id and ib.msg_id = v.id`

const visitDto = (r: Record<string, any>) => ({
  id: r.id, residentId: r.resident_id, residentName: r.resident_name, areaId: r.area_id, areaName: r.area_name,
  dueDate: iso(r.due_date)!.slice(0, 10), status: r.status,
  visitor: { userId: r.visitor_user_id, name: r.visitor_name, phone: r.visitor_phone },
  plannedBy: r.planned_by, visitedAt: iso(r.visited_at), recordedBy: r.recorded_by, outcome: r.outcome, notes: r.notes,
  followUpNeeded: r.follow_up_needed, incidentId: r.incident_id, createdAt: iso(r.created_at)
})

export interface VisitRoutesOptions {
  now: () => number
  /** Calendar days and months are this zone's. Default Asia/Shanghai. */
  timeZone?: string
}

export const visitRoutes: FastifyPluginAsync<VisitRoutesOptions> = async (app, opts) => {
  const staff = [app.authenticate, app.requireCapability('registry.read')]
  const planners = [app.authenticate, app.requireCapability('visit.plan')]
  const recorders = [app.authenticate, app.requireCapability('visit.record')]
  const audit = auditFor(app)
  const tz = opts.timeZone ?? DEFAULT_TIME_ZONE
  const today = () => localDate(opts.now(), tz)
  const visitInScope = async (q: Queryable, id: string, scope: string) => {
    const { rows } = await q.query<Record<string, any>>(`${SELECT} where v.id = $1 and a.path like $2 || '%'`, [id, scope])
    if (!rows[0]) throw errors.NOT_FOUND('visit')
    return rows[0]
  }
  const visitorUser = async (q: Queryable, userId: string | undefined, scope: string) => {
    if (!userId) return
    const { rows } = await q.query(`select 1 from users u join areas a on a.id = u.area_id where u.id = $1 and a.path like $2 || '%'`, [userId, scope])
    if (!rows[0]) throw errors.VALIDATION('visitorUserId must name a user inside your area')
  }

  app.post<{ Body: Static<typeof PlanBody> }>('/api/visits', {
    schema: { tags: ['visits'], summary: 'Plan a visit to a resident', body: PlanBody }, preHandler: planners
  }, async (req, reply) => {
    const b = req.body
    const scope = scopeOf(req)
    const id = randomUUID()
    await app.db.transaction(async (tx) => {
      await residentInScope(tx, b.residentId, scope)
      await visitorUser(tx, b.visitorUserId, scope)
      await tx.query(`insert into visits (id, resident_id, due_date, visitor_user_id, visitor_name, visitor_phone, planned_by) values ($1, $2, $3, $4, $5, $6, $7)`,
        [id, b.residentId, b.dueDate, b.visitorUserId ?? null, b.visitorName ?? null, b.visitorPhone ?? null, req.user.username])
      await audit(req, 'visit.plan', 'visit', id, { residentId: b.residentId, dueDate: b.dueDate }, tx)
    })
    return reply.code(201).send(visitDto(await visitInScope(app.db, id, scope)))
  })

  app.post<{ Body: Static<typeof PlanMonthBody> }>('/api/visits/plan-month', {
    schema: { tags: ['visits'], summary: 'Plan a visit for every flagged resident in the area who has none planned or done that month', body: PlanMonthBody }, preHandler: planners
  }, async (req) => {
    const b = req.body
    const area = await scopeFor(app.db, req, b.areaId)
    const { start, end } = monthBounds(b.month, tz)
    const due = b.dueDate ?? lastDayOf(b.month)
    if (!due.startsWith(`${b.month}-`)) throw errors.VALIDATION(`dueDate ${due} is not in ${b.month}`)
    const created = await app.db.transaction(async (tx) => {
      await visitorUser(tx, b.visitorUserId, scopeOf(req))
      const { rows } = await tx.query<{ id: string }>(`
        select r.id from residents r join sites s on s.id = r.site_id join areas a on a.id = s.area_id
         where a.path like $1 || '%' and ${FLAGGED_SQL}
           and not exists (select 1 from visits v where v.resident_id = r.id and v.status <> 'cancelled'
                            and ((v.due_date >= $4::date and v.due_date < $5::date) or (v.visited_at >= $2 and v.visited_at < $3)))`,
      // due dates are calendar dates; visits happen at instants between the month's local midnights
      [area.path, start, end, `${b.month}-01`, `${monthOf(end.getTime(), tz)}-01`])
      for (const r of rows) {
        await tx.query(`insert into visits (id, resident_id, due_date, visitor_user_id, visitor_name, visitor_phone, planned_by) values ($1, $2, $3, $4, $5, $6, $7)`,
          [randomUUID(), r.id, due, b.visitorUserId ?? null, b.visitorName ?? null, b.visitorPhone ?? null, req.user.username])
      }
      await audit(req, 'visit.plan_month', 'area', area.id, { month: b.month, dueDate: due, created: rows.length }, tx)
      return rows.length
    })
    return { month: b.month, areaId: area.id, dueDate: due, created }
  })

  app.get<{ Querystring: Static<typeof ListQuery> }>('/api/visits', {
    schema: { tags: ['visits'], querystring: ListQuery }, preHandler: staff
  }, async (req) => {
    const q = req.query
    const f = new SqlFilter([`a.path like $1 || '%'`], [scopeOf(req)])
    const add = f.add.bind(f)
    if (q.status) add('v.status = ?', q.status)
    if (q.areaId) add(`a.path like '%/' || ? || '/%'`, q.areaId)
    if (q.residentId) add('v.resident_id = ?', q.residentId)
    if (q.dueFrom) add('v.due_date >= ?::date', q.dueFrom)
    if (q.dueTo) add('v.due_date <= ?::date', q.dueTo)
    const { rows } = await app.db.query<Record<string, any>>(`${SELECT} where ${f.sql} order by v.due_date, v.id limit ${f.param(q.limit ?? 1000)}`, f.params)
    return { items: rows.map(visitDto) }
  })

  app.get<{ Querystring: Static<typeof AreaQuery> }>('/api/visits/overdue', {
    schema: { tags: ['visits'], summary: 'Planned visits past their due date, and their count per community', querystring: AreaQuery }, preHandler: staff
  }, async (req) => {
    const area = await scopeFor(app.db, req, req.query.areaId)
    const day = today()
    const { rows } = await app.db.query<Record<string, any>>(`${SELECT} where a.path like $1 || '%' and v.status = 'planned' and v.due_date < $2::date order by v.due_date, v.id limit 5000`, [area.path, day])
    return { today: day, items: rows.map(visitDto), byArea: await overdueByArea(app.db, area.path, day) }
  })

  app.get<{ Querystring: Static<typeof CoverageQuery> }>('/api/visits/coverage', {
    schema: { tags: ['visits'], summary: 'Share of flagged residents visited in a month, for the area and each child area (target 100%)', querystring: CoverageQuery }, preHandler: staff
  }, async (req) => {
    const area = await scopeFor(app.db, req, req.query.areaId)
    const month = req.query.month ?? monthOf(opts.now(), tz)
    const { start, end } = monthBounds(month, tz)
    return { month, areaId: area.id, target: 1, ...await visitCoverage(app.db, area, start, end) }
  })

  app.get<{ Params: Static<typeof IdParams> }>('/api/visits/:id', {
    schema: { tags: ['visits'], params: IdParams }, preHandler: staff
  }, async (req) => visitDto(await visitInScope(app.db, req.params.id, scopeOf(req))))

  app.post<{ Params: Static<typeof IdParams>, Body: Static<typeof RecordBody> }>('/api/visits/:id/record', {
    schema: { tags: ['visits'], summary: 'Record a visit; followUpNeeded opens a P3 incident', params: IdParams, body: RecordBody }, preHandler: recorders
  }, async (req) => {
    const b = req.body
    const scope = scopeOf(req)
    const visitedAt = new Date(b.visitedAt)
    if (visitedAt.getTime() > opts.now() + 5 * 60_000) throw errors.VALIDATION('visitedAt is in the future')
    const followUp = await app.db.transaction(async (tx) => {
      const v = await visitInScope(tx, req.params.id, scope)
      if (v.status !== 'planned') throw errors.VISIT_NOT_PLANNED(v.status, 'recorded')
      await tx.query(`update visits set status = 'done', visited_at = $2, outcome = $3, notes = $4, follow_up_needed = $5, recorded_by = $6,
                      visitor_name = coalesce($7, visitor_name) where id = $1`,
      [v.id, visitedAt, b.outcome, b.notes ?? null, b.followUpNeeded, req.user.username, b.visitorName ?? null])
      await audit(req, 'visit.record', 'visit', v.id, { outcome: b.outcome, followUpNeeded: b.followUpNeeded }, tx)
      if (!b.followUpNeeded) return null
      // The follow-up is an alarm like any other: an inbox row the engine opens (and announces) once committed.
      // Visit notes may be personal: the row carries the outcome only.
      const { rows } = await tx.query<{ seq: string }>(
        `insert into inbox (device_id, msg_id, kind, type, payload, received_at) values ($1, $2, 'derived', 'visit_follow_up', $3, $4) returning seq`,
        [`${VISIT_SOURCE_PREFIX}${v.id}`, v.id, JSON.stringify({ visitId: v.id, outcome: b.outcome, residentId: v.resident_id }), new Date(opts.now())])
      return rows[0].seq
    })
    if (followUp) {
      const settled = await app.engine.settled(followUp)
      if (settled?.incidentId) await app.db.query('update visits set incident_id = $2 where id = $1', [req.params.id, settled.incidentId])
    }
    return visitDto(await visitInScope(app.db, req.params.id, scope))
  })

  app.post<{ Params: Static<typeof IdParams> }>('/api/visits/:id/cancel', {
    schema: { tags: ['visits'], params: IdParams }, preHandler: planners
  }, async (req) => {
    await app.db.transaction(async (tx) => {
      const v = await visitInScope(tx, req.params.id, scopeOf(req))
      if (v.status !== 'planned') throw errors.VISIT_NOT_PLANNED(v.status, 'cancelled')
      await tx.query(`update visits set status = 'cancelled' where id = $1`, [v.id])
      await audit(req, 'visit.cancel', 'visit', v.id, undefined, tx)
    })
    return visitDto(await visitInScope(app.db, req.params.id, scopeOf(req)))
  })
}
