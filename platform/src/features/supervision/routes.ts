/**
 * Supervision routes (issue 16): the GB/T 42195-2022 assessment form and records, resident
 * status through time, due/overdue reassessments, the population report, visit coverage and
 * rules, targets, and the monthly statements (generated on the 1st, kept, regenerated only on
 * request, audited). Area scoping as everywhere: a record outside the caller's subtree is 404.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import {
  RECORDED_GROUPS, RESIDENT_GROUPS, RESIDENT_STATUSES, VISIT_METHODS, assessmentForm, assessmentScoreProblems,
  careRiskEventsBefore, computeAssessment, reassessmentDue, type Capability, type ResidentStatus
} from '@eldercare/protocols'
import { errors } from '../../errors.ts'
import { areaInScope, auditFor, DATE_PATTERN, Id, IdParams, literalUnion, residentInScope, scopeFor, scopeOf } from '../registry/scope.ts'
import { localDate, monthOf } from '../../lib/local-time.ts'
import { maskName } from './integrations.ts'
import { renderAssessmentPdf, renderStatementPdf, type PdfFont } from './pdf.ts'
import {
  areasForStatements, careRiskIncidents, deleteVisitRules, dueAssessments, getAssessment, getStatement, getTargets, insertAssessment, insertConditionChange, insertStatement, latestStatement,
  listAssessments, listStatements, overrideCapacity, putTargets, putVisitRules, setStatus, statusDate, statusHistory, targetsTree, visitRulesFor
} from './repository.ts'
import { buildStatement, monthCoverage, populationReport, roster, statementPrintable, supervisionRows, toCsv, type Statement } from './service.ts'

export interface SupervisionOptions {
  now: () => number
  timeZone: string
  /** CJK font for the printable forms; default Noto Sans CJK SC. */
  pdfFont?: PdfFont
  /** How often the monthly-statement job looks for a missing statement; 0 turns it off (tests). Default hourly. */
  statementJobMs?: number
}

const MONTH_PATTERN = '^\\d{4}-(0[1-9]|1[0-2])$'
const ISO_OR_DATE = Type.String({ description: 'YYYY-MM-DD or an ISO date-time', pattern: '^\\d{4}-\\d{2}-\\d{2}(T.*)?$' })

const Assessor = Type.Union([
  Type.Object({ userId: Id }, { additionalProperties: false }),
  Type.Object({ name: Type.String({ minLength: 1, maxLength: 60 }), certificateNo: Type.String({ minLength: 1, maxLength: 60 }) }, { additionalProperties: false })
], { description: 'a user with the assessor role, or an external assessor with a certificate number' })

const AssessmentBody = Type.Object({
  assessedAt: Type.String({ format: 'date-time' }),
  assessor: Type.Optional(Assessor),
  scores: Type.Record(Type.String(), Type.Unknown()),
  comatose: Type.Optional(Type.Boolean()),
  dementiaOrMentalDisorder: Type.Optional(Type.Boolean()),
  /** months to the next assessment; default 12 */
  intervalMonths: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 }))
}, { additionalProperties: false })

const ConditionChangeBody = Type.Object({
  reason: Type.String({ minLength: 2, maxLength: 500, description: 'what changed, e.g. 中风后行动不便' }),
  at: Type.Optional(Type.String({ format: 'date-time', description: 'when the change was noticed; default now' }))
}, { additionalProperties: false })

const StatusBody = Type.Object({
  status: literalUnion(RESIDENT_STATUSES),
  statusSince: Type.Optional(ISO_OR_DATE),
  reason: Type.Optional(Type.String({ maxLength: 200 }))
}, { additionalProperties: false })

const OverrideBody = Type.Object({
  level: Type.Integer({ minimum: 0, maximum: 4 }),
  reason: Type.String({ minLength: 4, maxLength: 500 })
}, { additionalProperties: false })

const PopulationQuery = Type.Object({ areaId: Type.Optional(Id), date: Type.Optional(Type.String({ pattern: DATE_PATTERN })) }, { additionalProperties: false })
const MonthQuery = Type.Object({ areaId: Type.Optional(Id), month: Type.Optional(Type.String({ pattern: MONTH_PATTERN })) }, { additionalProperties: false })
const RosterQuery = Type.Object({
  areaId: Type.Optional(Id),
  /** comma-separated group keys; a resident is listed when in every one */
  groups: Type.String({ minLength: 1, maxLength: 200 }),
  month: Type.Optional(Type.String({ pattern: MONTH_PATTERN }))
}, { additionalProperties: false })
const DueQuery = Type.Object({ areaId: Type.Optional(Id), withinDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 366 })) }, { additionalProperties: false })

const VisitRulesBody = Type.Object({
  eligibleGroups: Type.Array(literalUnion(RESIDENT_GROUPS.map(g => g.key)), { uniqueItems: true }),
  countingMethods: Type.Array(literalUnion(VISIT_METHODS), { minItems: 1, uniqueItems: true }),
  disabledFromLevel: Type.Optional(Type.Integer({ minimum: 1, maximum: 4 })),
  /** also require a home visit each calendar quarter (checked in the quarter's last month); default false */
  homeVisitEachQuarter: Type.Optional(Type.Boolean())
}, { additionalProperties: false })

// Null first: the validator coerces types, and with the number first a null ("no target") would
// be coerced to 0 — a target of nought — before the null branch is tried.
const Share = Type.Union([Type.Null(), Type.Number({ minimum: 0, maximum: 1 })])
const TargetsBody = Type.Object({
  familyBeds: Type.Union([Type.Null(), Type.Integer({ minimum: 0 })]),
  visitCoverage: Share,
  assessmentCoverage: Share,
  ackWithin60s: Share
}, { additionalProperties: false })

const StatementBody = Type.Object({
  areaId: Id,
  month: Type.String({ pattern: MONTH_PATTERN }),
  reason: Type.Optional(Type.String({ minLength: 4, maxLength: 500, description: 'required when a statement for that month exists: why it is regenerated' }))
}, { additionalProperties: false })

export const supervisionRoutes: FastifyPluginAsync<SupervisionOptions> = async (app, opts) => {
  const audit = auditFor(app)
  const can = (c: Capability) => [app.authenticate, app.requireCapability(c)]
  const tz = opts.timeZone
  const today = () => new Date(opts.now()).toISOString().slice(0, 10)

  const jobMs = opts.statementJobMs ?? 3_600_000
  let timer: NodeJS.Timeout | null = null
  const runJob = () => {
    generateMonthlyStatements(app, opts.now(), tz)
      .then((n) => { if (n) app.log.info({ statements: n }, 'monthly statements generated') })
      .catch((err) => app.log.error({ err }, 'monthly statement job failed'))
  }
  if (jobMs > 0) {
    // First look one period after start, not at start: a restart loop must not hammer the database.
    app.addHook('onReady', async () => { timer = setInterval(runJob, jobMs); timer.unref() })
    app.addHook('onClose', async () => { if (timer) clearInterval(timer) })
  }

  app.get('/api/assessment-form', {
    schema: { tags: ['supervision'], summary: 'The GB/T 42195-2022 capacity assessment form: 26 items in four first-level indicators, bands and change rules' },
    preHandler: can('assessment.read')
  }, async () => assessmentForm())

  app.get<{ Params: Static<typeof IdParams> }>('/api/residents/:id/assessments', {
    schema: { tags: ['supervision'], summary: 'A resident\'s capacity assessments, latest first', params: IdParams },
    preHandler: can('assessment.read')
  }, async (req) => {
    const r = await residentInScope(app.db, req.params.id, scopeOf(req))
    return { items: await listAssessments(app.db, r.id), capacityLevel: r.capacity_level, capacityOverrideReason: r.capacity_override_reason ?? null }
  })

  app.post<{ Params: Static<typeof IdParams>, Body: Static<typeof AssessmentBody> }>('/api/residents/:id/assessments', {
    schema: { tags: ['supervision'], summary: 'Record a capacity assessment; the level is computed, the resident\'s capacityLevel follows the latest', params: IdParams, body: AssessmentBody },
    preHandler: can('assessment.record')
  }, async (req, reply) => {
    const b = req.body
    const problems = assessmentScoreProblems(b.scores)
    if (problems.length) throw errors.VALIDATION.withDetails(problems, problems.join('; '))
    const assessedAt = new Date(b.assessedAt)
    if (assessedAt.getTime() > opts.now() + 5 * 60_000) throw errors.VALIDATION('assessedAt is in the future')
    const r = await residentInScope(app.db, req.params.id, scopeOf(req))
    let assessor: { userId: string | null, name: string, certificateNo: string | null }
    if (b.assessor && 'name' in b.assessor) assessor = { userId: null, name: b.assessor.name, certificateNo: b.assessor.certificateNo }
    else {
      const userId = b.assessor?.userId ?? req.user.id
      const { rows } = await app.db.query<{ id: string, username: string, display_name: string | null, role: string }>('select id, username, display_name, role from users where id = $1', [userId])
      if (!rows[0] || rows[0].role !== 'assessor') throw errors.VALIDATION('assessor.userId must be a user with the assessor role; an external assessor needs name and certificateNo')
      assessor = { userId, name: rows[0].display_name ?? rows[0].username, certificateNo: null }
    }
    // Care-risk events come from the incident record, not from what the assessor remembers (C.4).
    const events = await careRiskIncidents(app.db, r.id, assessedAt)
    const careRiskEvents30d = careRiskEventsBefore(assessedAt, events)
    const result = computeAssessment({ scores: b.scores as Record<string, number>, comatose: b.comatose, dementiaOrMentalDisorder: b.dementiaOrMentalDisorder, careRiskEvents30d })
    const dueAt = reassessmentDue(assessedAt, { intervalMonths: b.intervalMonths })
    const saved = await app.db.transaction(async (tx) => {
      const out = await insertAssessment(tx, {
        residentId: r.id, assessedAt, assessor, scores: b.scores as Record<string, number>, result, comatose: b.comatose ?? false,
        dementiaOrMentalDisorder: b.dementiaOrMentalDisorder ?? false, careRiskEvents30d, reassessmentDueAt: dueAt, recordedBy: req.user.username
      })
      await audit(req, 'assessment.record', 'resident', r.id, { assessmentId: out.row.id, total: result.total, level: result.level, latest: out.latest }, tx)
      return out
    })
    return reply.code(201).send({ ...saved.row, capacityLevelSet: saved.latest })
  })

  app.get<{ Params: Static<typeof IdParams> }>('/api/assessments/:id/pdf', {
    schema: { tags: ['supervision'], summary: 'The assessment as a printable PDF form (Chinese, font embedded)', params: IdParams, produces: ['application/pdf'] },
    preHandler: can('assessment.read')
  }, async (req, reply) => {
    const a = await getAssessment(app.db, req.params.id)
    if (!a) throw errors.NOT_FOUND('assessment')
    const r = await residentInScope(app.db, a.residentId, scopeOf(req))
    const { rows } = await app.db.query<{ name: string }>('select name from areas where id = $1', [r.area_id])
    const pdf = await renderAssessmentPdf({
      id: a.id, residentName: r.name, areaName: rows[0]?.name ?? null, assessedAt: a.assessedAt, assessor: a.assessor, scores: a.scores,
      result: { indicatorTotals: a.indicatorTotals, total: a.total, preliminaryLevel: a.preliminaryLevel as 0, level: a.level as 0, changes: a.changes },
      reassessmentDueAt: a.reassessmentDueAt
    }, opts.pdfFont)
    await audit(req, 'assessment.export', 'resident', r.id, { assessmentId: a.id, format: 'pdf' })
    return reply.type('application/pdf').header('content-disposition', `inline; filename="assessment-${a.id}.pdf"`).send(pdf)
  })

  app.put<{ Params: Static<typeof IdParams>, Body: Static<typeof OverrideBody> }>('/api/residents/:id/capacity-level', {
    schema: { tags: ['supervision'], summary: 'Override the capacity level by hand, with a reason (audited); the next assessment replaces it', params: IdParams, body: OverrideBody },
    preHandler: can('capacity.override')
  }, async (req) => {
    const r = await residentInScope(app.db, req.params.id, scopeOf(req))
    await app.db.transaction(async (tx) => {
      await overrideCapacity(tx, r.id, req.body.level, req.body.reason)
      await audit(req, 'resident.capacity_override', 'resident', r.id, { from: r.capacity_level, to: req.body.level, reason: req.body.reason }, tx)
    })
    return { capacityLevel: req.body.level, capacityOverrideReason: req.body.reason }
  })

  app.put<{ Params: Static<typeof IdParams>, Body: Static<typeof StatusBody> }>('/api/residents/:id/status', {
    schema: { tags: ['supervision'], summary: 'Set the resident\'s status with its date (also accepted by PATCH /api/residents/:id); every change is kept', params: IdParams, body: StatusBody },
    preHandler: can('resident.status')
  }, async (req) => {
    const r = await residentInScope(app.db, req.params.id, scopeOf(req))
    const since = statusDate(req.body.statusSince, opts.now())
    // The same status from the same date again (a confirmation sent twice: the visit's and the
    // incident's `deceased`, a double click) is recorded once: no second history row, no audit.
    // The row lock makes two at once see each other.
    const recorded = await app.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ status: string, status_since: string | Date }>('select status, status_since from residents where id = $1 for update', [r.id])
      const now = rows[0]!
      if (now.status === req.body.status && new Date(now.status_since).getTime() === since.getTime()) return false
      await setStatus(tx, r.id, req.body.status as ResidentStatus, since, req.user.username, req.body.reason ?? null)
      await audit(req, 'resident.status', 'resident', r.id, { from: now.status, to: req.body.status, since: since.toISOString(), ...(req.body.reason ? { reason: req.body.reason } : {}) }, tx)
      return true
    })
    return { status: req.body.status, statusSince: since.toISOString(), recorded, history: await statusHistory(app.db, r.id) }
  })

  app.post<{ Params: Static<typeof IdParams>, Body: Static<typeof ConditionChangeBody> }>('/api/residents/:id/condition-changes', {
    schema: { tags: ['supervision'], summary: 'Mark that the resident\'s condition changed, with the reason: the reassessment is due from that date until a newer assessment (audited)', params: IdParams, body: ConditionChangeBody },
    preHandler: can('condition.mark')
  }, async (req, reply) => {
    const r = await residentInScope(app.db, req.params.id, scopeOf(req))
    const at = req.body.at === undefined ? new Date(opts.now()) : new Date(req.body.at)
    if (at.getTime() > opts.now() + 5 * 60_000) throw errors.VALIDATION('at is in the future: a change of condition is marked when it was noticed')
    const reason = req.body.reason.trim()
    if (reason.length < 2) throw errors.VALIDATION('reason: say what changed (at least 2 characters)')
    const mark = await app.db.transaction(async (tx) => {
      const m = await insertConditionChange(tx, r.id, at, reason, req.user.username)
      await audit(req, 'resident.condition_change', 'resident', r.id, { id: m.id, at: m.at }, tx)
      return m
    })
    return reply.code(201).send(mark)
  })

  app.get<{ Params: Static<typeof IdParams> }>('/api/residents/:id/status-history', {
    schema: { tags: ['supervision'], summary: 'Every status the resident had, with its date', params: IdParams },
    preHandler: can('assessment.read')
  }, async (req) => {
    const r = await residentInScope(app.db, req.params.id, scopeOf(req))
    return { status: r.status, statusSince: new Date(r.status_since).toISOString(), items: await statusHistory(app.db, r.id) }
  })

  app.get<{ Querystring: Static<typeof DueQuery> }>('/api/assessments/due', {
    schema: { tags: ['supervision'], summary: 'Residents of an area subtree whose reassessment is due within withinDays (default 30) or overdue; never assessed counts as overdue', querystring: DueQuery },
    preHandler: can('assessment.read')
  }, async (req) => {
    const area = await scopeFor(app.db, req, req.query.areaId)
    const items = await dueAssessments(app.db, area.path, new Date(opts.now()), req.query.withinDays ?? 30)
    // per community (the residents' own area): what each has to do
    const byArea = new Map<string, { areaId: string, due: number, overdue: number }>()
    for (const i of items) {
      const a = byArea.get(i.areaId) ?? { areaId: i.areaId, due: 0, overdue: 0 }
      if (i.overdue) a.overdue++
      else a.due++
      byArea.set(i.areaId, a)
    }
    return { area: { id: area.id, name: area.name }, overdue: items.filter(i => i.overdue).length, byArea: [...byArea.values()], items }
  })

  app.get<{ Querystring: Static<typeof RosterQuery> }>('/api/reports/roster', {
    schema: {
      tags: ['reports'],
      summary: 'Residents of an area subtree in every group asked for (e.g. groups=disabled,lives_alone), at home or in hospital: each with the family care bed, whether visited in the month by a counting method, and the latest assessment (assessor, date, level); with the counts',
      querystring: RosterQuery
    },
    // names and assessors: personal records, so the registry readers' capability, not statistics.read (upper platforms)
    preHandler: can('assessment.read')
  }, async (req) => {
    const keys = RESIDENT_GROUPS.map(g => g.key) as string[]
    const groups = [...new Set(req.query.groups.split(',').map(g => g.trim()).filter(Boolean))]
    const unknown = groups.filter(g => !keys.includes(g))
    if (groups.length === 0 || unknown.length) throw errors.VALIDATION(`groups: ${unknown.length ? `unknown ${unknown.join(', ')}` : 'none given'}; use one or more of ${keys.join(', ')}, comma-separated`)
    const current = monthOf(opts.now(), tz)
    const month = req.query.month ?? current
    if (month > current) throw errors.VALIDATION(`month ${month} has not begun; the latest is ${current}`)
    const area = await scopeFor(app.db, req, req.query.areaId)
    return roster(app.db, area, groups as never, month, localDate(opts.now(), tz), tz)
  })

  const population = async (req: FastifyRequest<{ Querystring: Static<typeof PopulationQuery> }>) => {
    const area = await scopeFor(app.db, req, req.query.areaId)
    return populationReport(app.db, area, req.query.date ?? today(), tz)
  }
  app.get<{ Querystring: Static<typeof PopulationQuery> }>('/api/reports/population', {
    schema: { tags: ['reports'], summary: 'Residents of an area subtree on a date by group, age band, capacity level and status; family care beds, facilities, devices; targets', querystring: PopulationQuery },
    preHandler: can('statistics.read')
  }, population)
  app.get<{ Querystring: Static<typeof PopulationQuery> }>('/api/reports/population.csv', {
    schema: { tags: ['reports'], summary: 'The population report as CSV (section,metric,key,value,target); audited as an export', querystring: PopulationQuery, produces: ['text/csv'] },
    preHandler: can('statistics.read')
  }, async (req, reply) => {
    const p = await population(req)
    await audit(req, 'report.export', 'area', p.area.id, { report: 'population', date: p.date, format: 'csv' })
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="population-${p.date}.csv"`)
      .send(toCsv(supervisionRows({ population: p, targets: p.targets }), ['section', 'metric', 'key', 'value', 'target']))
  })

  app.get<{ Querystring: Static<typeof MonthQuery> }>('/api/reports/visit-coverage', {
    schema: { tags: ['reports'], summary: 'Monthly visit coverage of an area subtree: due, visited, rate, the residents still to visit', querystring: MonthQuery },
    preHandler: can('statistics.read')
  }, async (req) => {
    const area = await scopeFor(app.db, req, req.query.areaId)
    const month = req.query.month ?? monthOf(opts.now(), tz)
    const cov = await monthCoverage(app.db, area, month, tz)
    const ids = [...cov.missing]
    const { rows } = ids.length ? await app.db.query<{ id: string, name: string }>('select id, name from residents where id = any($1::text[]) order by id', [ids]) : { rows: [] }
    // An upper platform sees names only when its data-sharing agreement says so.
    const masked = req.user.role === 'integration' && !(await app.db.query<{ reveal_names: boolean }>('select reveal_names from integration_accounts where user_id = $1', [req.user.id])).rows[0]?.reveal_names
    return { area: { id: area.id, name: area.name }, ...cov, missing: rows.map((r) => masked ? { id: r.id, name: maskName(r.name) } : r) }
  })

  app.get<{ Params: Static<typeof IdParams> }>('/api/areas/:id/visit-rules', {
    schema: { tags: ['supervision'], summary: 'The visit rules in force for an area (its own or inherited)', params: IdParams },
    preHandler: can('statistics.read')
  }, async (req) => {
    const area = await areaInScope(app.db, req.params.id, scopeOf(req))
    return visitRulesFor(app.db, area.path)
  })
  app.put<{ Params: Static<typeof IdParams>, Body: Static<typeof VisitRulesBody> }>('/api/areas/:id/visit-rules', {
    schema: { tags: ['supervision'], summary: 'Set which groups are due a monthly visit and which methods count, for an area and below', params: IdParams, body: VisitRulesBody },
    preHandler: can('target.write')
  }, async (req) => {
    const area = await areaInScope(app.db, req.params.id, scopeOf(req))
    const rules = { eligibleGroups: req.body.eligibleGroups as never, countingMethods: req.body.countingMethods as never, disabledFromLevel: req.body.disabledFromLevel ?? 2, homeVisitEachQuarter: req.body.homeVisitEachQuarter ?? false }
    return app.db.transaction(async (tx) => {
      const before = await visitRulesFor(tx, area.path)
      await putVisitRules(tx, area.id, rules, req.user.username)
      const after = await visitRulesFor(tx, area.path)
      await audit(req, 'area.visit_rules', 'area', area.id, { ...rules, before, after }, tx)
      return after
    })
  })
  // Back to inheriting: the area's own rule goes, the nearest ancestor's (else the defaults) is in
  // force again. Idempotent: an area without a rule of its own answers the same, and nothing is audited.
  app.delete<{ Params: Static<typeof IdParams> }>('/api/areas/:id/visit-rules', {
    schema: { tags: ['supervision'], summary: 'Remove an area\'s own visit rules so that it inherits again; answers the rules now in force (idempotent, audited when something is removed)', params: IdParams },
    preHandler: can('target.write')
  }, async (req) => {
    const area = await areaInScope(app.db, req.params.id, scopeOf(req))
    return app.db.transaction(async (tx) => {
      const removed = await deleteVisitRules(tx, area.id)
      const after = await visitRulesFor(tx, area.path)
      if (removed) await audit(req, 'area.visit_rules_removed', 'area', area.id, { before: { ...removed, fromAreaId: area.id }, after }, tx)
      return after
    })
  })

  const Year = Type.Integer({ minimum: 2000, maximum: 2100 })
  const YearParams = Type.Object({ id: Id, year: Year })
  const TargetsTreeQuery = Type.Object({
    areaId: Type.Optional(Id),
    year: Year,
    /** children: the area and the areas directly below it; subtree (default): every area below it */
    depth: Type.Optional(literalUnion(['children', 'subtree'] as const))
  }, { additionalProperties: false })
  app.get<{ Querystring: Static<typeof TargetsTreeQuery> }>('/api/targets', {
    schema: { tags: ['supervision'], summary: 'The targets of a year for an area (default: the caller\'s) and every area below it, in tree order with each area\'s depth; unset targets are null', querystring: TargetsTreeQuery },
    preHandler: can('statistics.read')
  }, async (req) => {
    const area = await scopeFor(app.db, req, req.query.areaId)
    const items = await targetsTree(app.db, area, req.query.year, req.query.depth === 'children' ? 1 : Infinity)
    return { area: { id: area.id, name: area.name }, year: req.query.year, items }
  })
  app.get<{ Params: Static<typeof YearParams> }>('/api/areas/:id/targets/:year', {
    schema: { tags: ['supervision'], summary: 'An area\'s targets for a year', params: YearParams },
    preHandler: can('statistics.read')
  }, async (req) => {
    const area = await areaInScope(app.db, req.params.id, scopeOf(req))
    return (await getTargets(app.db, area.id, req.params.year)) ?? { year: req.params.year, familyBeds: null, visitCoverage: null, assessmentCoverage: null, ackWithin60s: null }
  })
  app.put<{ Params: Static<typeof YearParams>, Body: Static<typeof TargetsBody> }>('/api/areas/:id/targets/:year', {
    schema: { tags: ['supervision'], summary: 'Set an area\'s targets for a year (administrators)', params: YearParams, body: TargetsBody },
    preHandler: can('target.write')
  }, async (req) => {
    const area = await areaInScope(app.db, req.params.id, scopeOf(req))
    const t = { year: req.params.year, ...req.body }
    await putTargets(app.db, area.id, t, req.user.username)
    await audit(req, 'area.targets', 'area', area.id, t)
    return t
  })

  // `month` narrows the list to one month: over a city's subtree the newest 120 versions may not
  // reach back to the month a supervisor looks for.
  app.get<{ Querystring: Static<typeof MonthQuery> }>('/api/statements', {
    schema: { tags: ['reports'], summary: 'Monthly statements kept for an area subtree (every version), newest month first; `month` (YYYY-MM) keeps that month only', querystring: MonthQuery },
    preHandler: can('statistics.read')
  }, async (req) => {
    const area = await scopeFor(app.db, req, req.query.areaId)
    return { items: await listStatements(app.db, area.path, { month: req.query.month }) }
  })

  const statementIn = async (req: FastifyRequest<{ Params: Static<typeof IdParams> }>) => {
    const s = await getStatement(app.db, req.params.id)
    if (!s || !s.areaPath.startsWith(scopeOf(req))) throw errors.NOT_FOUND('statement')
    return s
  }
  app.get<{ Params: Static<typeof IdParams> }>('/api/statements/:id', {
    schema: { tags: ['reports'], summary: 'A kept statement, as generated', params: IdParams },
    preHandler: can('statistics.read')
  }, async (req) => { const { areaPath: _p, ...s } = await statementIn(req); return s })
  app.get<{ Params: Static<typeof IdParams> }>('/api/statements/:id/csv', {
    schema: { tags: ['reports'], summary: 'A kept statement as CSV; audited as an export', params: IdParams, produces: ['text/csv'] },
    preHandler: can('statistics.read')
  }, async (req, reply) => {
    const s = await statementIn(req)
    const c = s.content as Statement
    await audit(req, 'report.export', 'area', s.areaId, { report: 'statement', statementId: s.id, month: s.month, version: s.version, format: 'csv' })
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="statement-${s.month}-v${s.version}.csv"`)
      .send(toCsv(supervisionRows(c), ['section', 'metric', 'key', 'value', 'target']))
  })
  app.get<{ Params: Static<typeof IdParams> }>('/api/statements/:id/pdf', {
    schema: { tags: ['reports'], summary: 'A kept statement as a printable PDF with its charts; audited as an export', params: IdParams, produces: ['application/pdf'] },
    preHandler: can('statistics.read')
  }, async (req, reply) => {
    const s = await statementIn(req)
    const pdf = await renderStatementPdf(statementPrintable(s.content as Statement), opts.pdfFont)
    await audit(req, 'report.export', 'area', s.areaId, { report: 'statement', statementId: s.id, month: s.month, version: s.version, format: 'pdf' })
    return reply.type('application/pdf').header('content-disposition', `inline; filename="statement-${s.month}-v${s.version}.pdf"`).send(pdf)
  })

  app.post<{ Body: Static<typeof StatementBody> }>('/api/statements', {
    schema: { tags: ['reports'], summary: 'Generate a month\'s statement; when one exists this regenerates it as a new version (reason required, audited) and the old one stays', body: StatementBody },
    preHandler: can('statement.generate')
  }, async (req, reply) => {
    const area = await areaInScope(app.db, req.body.areaId, scopeOf(req))
    if (req.body.month >= monthOf(opts.now(), tz)) throw errors.VALIDATION('a statement covers a past month')
    const existing = await latestStatement(app.db, area.id, req.body.month)
    if (existing && !req.body.reason) throw errors.VALIDATION(`a statement for ${req.body.month} exists (version ${existing.version}); regenerating it needs a reason`)
    const content = await buildStatement(app.db, area, req.body.month, tz)
    const saved = await app.db.transaction(async (tx) => {
      const s = await insertStatement(tx, area.id, req.body.month, content, req.user.username, req.body.reason ?? null)
      await audit(req, existing ? 'statement.regenerate' : 'statement.generate', 'area', area.id, { statementId: s.id, month: s.month, version: s.version, reason: req.body.reason ?? null }, tx)
      return s
    })
    return reply.code(201).send(saved)
  })
}

/** Group keys a hand-recorded flag may take (the registry validates residents' flags with it). */
export const RECORDED_GROUP_KEYS = RECORDED_GROUPS

/** The month before `month` (YYYY-MM). */
export function previousMonth (month: string): string {
  const [y, m] = month.split('-').map(Number)
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`
}

/**
 * The monthly job: from the 1st on (hourly, so a node that was down catches up), every area
 * without a statement for the past month gets one. An existing statement is never touched here.
 */
export async function generateMonthlyStatements (app: FastifyInstance, now: number, timeZone: string): Promise<number> {
  const month = previousMonth(monthOf(now, timeZone))
  let made = 0
  for (const area of await areasForStatements(app.db)) {
    if (await latestStatement(app.db, area.id, month)) continue
    const content = await buildStatement(app.db, area, month, timeZone)
    await app.db.transaction(async (tx) => {
      const s = await insertStatement(tx, area.id, month, content, 'system', null)
      await app.audit.write({ username: 'system', action: 'statement.generate', targetType: 'area', targetId: area.id, areaPath: area.path, data: { statementId: s.id, month, version: s.version } }, tx)
    })
    made++
  }
  return made
}
