/**
 * Every guarded route checks one capability of the shared role → capability table
 * (protocols/src/capabilities.ts), the same table the console's buttons read: this test
 * lists each route's capability, and proves the guard lets exactly the table's roles through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify'
import pino from 'pino'
import { CAPABILITIES, CAPABILITIES_BY_ROLE, ROLES, type Capability } from '@eldercare/protocols'
import { buildApp } from '../src/app.ts'
import { openDb, type Db } from '../src/db/db.ts'

/** The console's view of the API: method and URL → the capability it needs. Public routes are absent. */
const EXPECTED: Record<string, Capability> = {
  'GET /api/incidents': 'incident.read',
  'GET /api/incidents/:id': 'incident.read',
  'POST /api/incidents/:id/acknowledge': 'incident.act',
  'POST /api/incidents/:id/resolve': 'incident.act',
  'POST /api/incidents/:id/close': 'incident.act',
  'POST /api/incidents/:id/note': 'incident.act',
  'GET /api/incidents/:id/candidates': 'incident.read',
  'GET /api/incidents/:id/offers': 'incident.read',
  'POST /api/incidents/:id/dispatch': 'incident.act',
  'POST /api/incidents/:id/decline': 'incident.act',
  'POST /api/incidents/:id/arrive': 'incident.act',
  'POST /api/incidents/:id/intercom/:action': 'incident.act',
  'POST /api/devices/:id/commands': 'device.command',
  'GET /api/commands/:id': 'device.command',
  'GET /api/residents/:id/vitals': 'vitals.read',
  'GET /api/residents/:id/detection': 'detection.write',
  'PUT /api/residents/:id/detection': 'detection.write',
  'GET /api/wall': 'incident.read',
  'GET /api/map': 'registry.read',
  'GET /api/residents/:id/position': 'vitals.read',
  'GET /api/residents/:id/track': 'vitals.read',
  'GET /api/residents/:id/safe-zone': 'vitals.read',
  'PUT /api/residents/:id/safe-zone': 'detection.write',
  'DELETE /api/residents/:id/safe-zone': 'detection.write',
  'POST /api/residents/:id/reveal/:field': 'resident.reveal',
  'GET /api/areas': 'registry.read',
  'GET /api/areas/:id': 'registry.read',
  'GET /api/areas/:id/history': 'registry.read',
  'POST /api/areas': 'registry.write',
  'PATCH /api/areas/:id': 'registry.write',
  'GET /api/sites': 'registry.read',
  'GET /api/sites/:id': 'registry.read',
  'GET /api/sites/:id/history': 'registry.read',
  'POST /api/sites': 'registry.write',
  'PATCH /api/sites/:id': 'registry.write',
  'GET /api/residents': 'registry.read',
  'GET /api/residents/:id': 'registry.read',
  'POST /api/residents': 'registry.write',
  'PATCH /api/residents/:id': 'registry.write',
  'GET /api/devices': 'registry.read',
  'GET /api/devices/:id': 'registry.read',
  'POST /api/devices': 'registry.write',
  'PATCH /api/devices/:id': 'registry.write',
  'POST /api/devices/:id/rotate-secret': 'registry.write',
  'GET /api/users': 'user.read',
  'GET /api/users/:id': 'user.read',
  'POST /api/users': 'registry.write',
  'PATCH /api/users/:id': 'registry.write',
  'POST /api/users/:id/reset-password': 'registry.write',
  'POST /api/observers': 'registry.write',
  'GET /api/observers': 'registry.write',
  'POST /api/observers/:id/disable': 'registry.write',
  'POST /api/import/areas': 'registry.write',
  'POST /api/import/sites': 'registry.write',
  'POST /api/import/residents': 'registry.write',
  'POST /api/import/devices': 'registry.write',
  'GET /api/reports/summary': 'report.read',
  'GET /api/reports/summary.csv': 'report.read',
  'GET /api/visits': 'registry.read',
  'GET /api/visits/:id': 'registry.read',
  'GET /api/visits/overdue': 'registry.read',
  'GET /api/visits/coverage': 'registry.read',
  'POST /api/visits': 'visit.plan',
  'POST /api/visits/plan-month': 'visit.plan',
  'POST /api/visits/:id/cancel': 'visit.plan',
  'POST /api/visits/:id/record': 'visit.record',
  'GET /api/audit': 'audit.read',
  'POST /api/responders': 'registry.write',
  'GET /api/responders': 'responder.read',
  'GET /api/responders/:id': 'responder.read',
  'PATCH /api/responders/:id': 'responder.duty',
  'GET /api/policies/response': 'policy.read',
  'PUT /api/policies/response': 'policy.write',
  'DELETE /api/policies/response': 'policy.write',
  'POST /api/residents/:id/calls': 'call.make',
  'POST /api/incidents/:id/call': 'call.make',
  'POST /api/calls/:id/visit': 'call.make',
  'GET /api/calls/:id': 'call.read',
  'GET /api/residents/:id/calls': 'call.read',
  'GET /api/residents/:id/call-settings': 'call.read',
  'PUT /api/residents/:id/call-settings': 'call.settings',
  'POST /api/welfare-rounds': 'welfare.start',
  'GET /api/welfare-rounds': 'welfare.read',
  'GET /api/welfare-rounds/:id': 'welfare.read',
  'GET /api/residents/:id/daily-checkin': 'welfare.read',
  'PUT /api/residents/:id/daily-checkin': 'checkin.plan',
  'GET /api/assessment-form': 'assessment.read',
  'GET /api/residents/:id/assessments': 'assessment.read',
  'POST /api/residents/:id/assessments': 'assessment.record',
  'GET /api/assessments/:id/pdf': 'assessment.read',
  'GET /api/assessments/due': 'assessment.read',
  'GET /api/residents/:id/status-history': 'assessment.read',
  'PUT /api/residents/:id/capacity-level': 'capacity.override',
  'PUT /api/residents/:id/status': 'resident.status',
  'POST /api/residents/:id/condition-changes': 'condition.mark',
  'GET /api/reports/population': 'statistics.read',
  'GET /api/reports/population.csv': 'statistics.read',
  'GET /api/reports/visit-coverage': 'statistics.read',
  'GET /api/areas/:id/visit-rules': 'statistics.read',
  'PUT /api/areas/:id/visit-rules': 'target.write',
  'DELETE /api/areas/:id/visit-rules': 'target.write',
  'GET /api/areas/:id/targets/:year': 'statistics.read',
  'GET /api/targets': 'statistics.read',
  'GET /api/reports/roster': 'assessment.read',
  'PUT /api/areas/:id/targets/:year': 'target.write',
  'GET /api/statements': 'statistics.read',
  'GET /api/statements/:id': 'statistics.read',
  'GET /api/statements/:id/csv': 'statistics.read',
  'GET /api/statements/:id/pdf': 'statistics.read',
  'POST /api/statements': 'statement.generate',
  'POST /api/integrations': 'registry.write',
  'GET /api/integrations': 'registry.write',
  'POST /api/integrations/:id/disable': 'registry.write'
}

type Guard = ((req: FastifyRequest) => Promise<void>) & { capability?: Capability }

describe('route guards and the role → capability table', () => {
  let db: Db
  let app: FastifyInstance
  const routes: RouteOptions[] = []

  beforeAll(async () => {
    // A real PGlite: nothing is queried, the routes are only registered.
    db = await openDb({ dataDir: 'memory://' })
    app = await buildApp({ db, logger: pino({ level: 'silent' }), commandTransport: { publishCommand: async () => {} }, onRoute: (r) => { routes.push(r) } })
  })
  afterAll(async () => {
    await app?.close()
    await db?.close()
  })

  const guardsOf = (r: RouteOptions): Guard[] => ([] as unknown[]).concat(r.preHandler ?? []).filter((h): h is Guard => typeof h === 'function')
  const key = (r: RouteOptions) => `${([] as string[]).concat(r.method)[0]} ${r.url}`
  const authenticated = () => routes.filter((r) => guardsOf(r).includes(app.authenticate as Guard) && !key(r).startsWith('HEAD '))

  it('every authenticated route but the session ones needs exactly one capability, the one listed', () => {
    const actual: Record<string, Capability> = {}
    for (const r of authenticated()) {
      const caps = guardsOf(r).flatMap((g) => g.capability ? [g.capability] : [])
      if (key(r).startsWith('POST /api/auth/') || key(r) === 'GET /api/auth/me') { expect(caps, key(r)).toEqual([]); continue }
      expect(caps, `${key(r)} has one capability guard`).toHaveLength(1)
      actual[key(r)] = caps[0]
    }
    expect(actual).toEqual(EXPECTED)
  })

  it('each guard lets through exactly the roles the table gives the capability', async () => {
    for (const r of authenticated()) {
      for (const g of guardsOf(r).filter((x) => x.capability)) {
        const passes: string[] = []
        for (const role of ROLES) {
          const ok = await g({ user: { role } } as FastifyRequest).then(() => true, (err) => { expect(err).toMatchObject({ statusCode: 403, code: 'PLT_ERR_FORBIDDEN' }); return false })
          if (ok) passes.push(role)
        }
        expect(passes, key(r)).toEqual(ROLES.filter((role) => CAPABILITIES_BY_ROLE[role].includes(g.capability!)))
      }
    }
  })

  it('the table names only known capabilities, and each is used by some route', () => {
    for (const role of ROLES) for (const c of CAPABILITIES_BY_ROLE[role]) expect(CAPABILITIES).toContain(c)
    expect(new Set(Object.values(EXPECTED))).toEqual(new Set(CAPABILITIES))
  })
})
