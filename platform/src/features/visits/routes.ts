/**
 * Visits (探访关爱): residents flagged as living alone, empty-nest, left-behind or in special
 * difficulty need a visit at least monthly. Plan, record, list overdue, coverage per area and
 * month (target 100%). A visit that needs follow-up writes an inbox row (derived/visit_follow_up)
 * that the incident engine turns into a P3 incident, like any alarm: announced and the family told.
 */
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { errors } from '../../errors.ts'
import { overdueByArea, visitCoverage } from '../registry/stats.ts'
import { DEFAULT_TIME_ZONE, lastDayOf, localDate, monthBounds, monthOf } from '../../lib/local-time.ts'
import { auditFor, DATE_PATTERN, Id, IdParams, literalUnion, PHONE_PATTERN, residentInScope, scopeFor, scopeOf } from '../registry/scope.ts'
import {
  cancelVisit, checkVisitor, insertVisit, listVisits, overdueVisits, recordVisit, residentsWithoutVisit, setVisitIncident, visitDto, visitInScope, VISIT_OUTCOMES
} from './service.ts'


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

  app.post<{ Body: Static<typeof PlanBody> }>('/api/visits', {
    schema: { tags: ['visits'], summary: 'Plan a visit to a resident', body: PlanBody }, preHandler: planners
  }, async (req, reply) => {
    const b = req.body
    const scope = scopeOf(req)
    const id = await app.db.transaction(async (tx) => {
      await residentInScope(tx, b.residentId, scope)
      await checkVisitor(tx, b.visitorUserId, scope)
      const id = await insertVisit(tx, b.residentId, b.dueDate, b, req.user.username)
      await audit(req, 'visit.plan', 'visit', id, { residentId: b.residentId, dueDate: b.dueDate }, tx)
      return id
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
      await checkVisitor(tx, b.visitorUserId, scopeOf(req))
      const residents = await residentsWithoutVisit(tx, area.path, start, end, b.month, monthOf(end.getTime(), tz))
      for (const residentId of residents) await insertVisit(tx, residentId, due, b, req.user.username)
      await audit(req, 'visit.plan_month', 'area', area.id, { month: b.month, dueDate: due, created: residents.length }, tx)
      return residents.length
    })
    return { month: b.month, areaId: area.id, dueDate: due, created }
  })

  app.get<{ Querystring: Static<typeof ListQuery> }>('/api/visits', {
    schema: { tags: ['visits'], querystring: ListQuery }, preHandler: staff
  }, async (req) => {
    return { items: (await listVisits(app.db, scopeOf(req), req.query)).map(visitDto) }
  })

  app.get<{ Querystring: Static<typeof AreaQuery> }>('/api/visits/overdue', {
    schema: { tags: ['visits'], summary: 'Planned visits past their due date, and their count per community', querystring: AreaQuery }, preHandler: staff
  }, async (req) => {
    const area = await scopeFor(app.db, req, req.query.areaId)
    const day = today()
    return { today: day, items: (await overdueVisits(app.db, area.path, day)).map(visitDto), byArea: await overdueByArea(app.db, area.path, day) }
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
      const seq = await recordVisit(tx, v, { ...b, visitedAt, recordedBy: req.user.username }, new Date(opts.now()))
      await audit(req, 'visit.record', 'visit', v.id, { outcome: b.outcome, followUpNeeded: b.followUpNeeded }, tx)
      return seq
    })
    // The follow-up is an alarm like any other: the engine opens (and announces) it once committed.
    if (followUp) {
      const settled = await app.engine.settled(followUp)
      if (settled?.incidentId) await setVisitIncident(app.db, req.params.id, settled.incidentId)
    }
    return visitDto(await visitInScope(app.db, req.params.id, scope))
  })

  app.post<{ Params: Static<typeof IdParams> }>('/api/visits/:id/cancel', {
    schema: { tags: ['visits'], params: IdParams }, preHandler: planners
  }, async (req) => {
    await app.db.transaction(async (tx) => {
      const v = await visitInScope(tx, req.params.id, scopeOf(req))
      await cancelVisit(tx, v)
      await audit(req, 'visit.cancel', 'visit', v.id, undefined, tx)
    })
    return visitDto(await visitInScope(app.db, req.params.id, scopeOf(req)))
  })
}
