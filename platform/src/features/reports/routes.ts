/**
 * Reports per area subtree and period: JSON and CSV. Every CSV export is audited (who, what
 * area, what period). Supervisors, administrators and auditors may read them.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { errors } from '../../errors.ts'
import { computeReport, reportCsv, type ReportOptions } from './service.ts'
import { auditFor, Id, scopeFor } from '../registry/scope.ts'

const ReportQuery = Type.Object({
  areaId: Type.Optional(Id),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'default: 30 days before `to`' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'default: now' }))
}, { additionalProperties: false })
type Q = Static<typeof ReportQuery>

export interface ReportRoutesOptions extends ReportOptions { now: () => number }

/** Longest period one report covers, in days. */
const MAX_PERIOD_DAYS = 800

export const reportRoutes: FastifyPluginAsync<ReportRoutesOptions> = async (app, opts) => {
  const readers = [app.authenticate, app.requireCapability('report.read')]
  const audit = auditFor(app)
  const build = async (req: FastifyRequest<{ Querystring: Q }>) => {
    const area = await scopeFor(app.db, req, req.query.areaId)
    const now = new Date(opts.now())
    const to = req.query.to ? new Date(req.query.to) : now
    const from = req.query.from ? new Date(req.query.from) : new Date(to.getTime() - 30 * 86_400_000)
    if (!(from < to)) throw errors.VALIDATION('from must be before to')
    if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * 86_400_000) throw errors.VALIDATION(`a report covers at most ${MAX_PERIOD_DAYS} days`)
    return computeReport(app.db, area, from, to, now, opts)
  }

  app.get<{ Querystring: Q }>('/api/reports/summary', {
    schema: { tags: ['reports'], summary: 'Incidents, response times, SLA breaches, devices and visits for an area subtree and period', querystring: ReportQuery },
    preHandler: readers
  }, build)

  app.get<{ Querystring: Q }>('/api/reports/summary.csv', {
    schema: { tags: ['reports'], summary: 'The same report as CSV (section,metric,key,value); audited as an export', querystring: ReportQuery, produces: ['text/csv'] },
    preHandler: readers
  }, async (req, reply) => {
    const report = await build(req)
    await audit(req, 'report.export', 'area', report.area.id, { report: 'summary', from: report.period.from, to: report.period.to, format: 'csv' })
    return reply.type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="report-${report.period.from.slice(0, 10)}-${report.period.to.slice(0, 10)}.csv"`)
      .send(reportCsv(report))
  })
}
