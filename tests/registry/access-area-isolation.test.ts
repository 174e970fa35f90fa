/**
 * Area isolation, probed systematically: for every GET route of the API (enumerated from the
 * OpenAPI document, so a new route without an entry here fails), a user of district A never
 * sees district B's records — lists leave them out, reads answer 404 — and the same probe made
 * by B's user does see them (so every probe can fail). Realtime events follow the same rule.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ASSESSMENT_ITEMS, type Role } from '@eldercare/protocols'
import { SimDevice } from '@eldercare/device-sim'
import { nextEvent, startTestPlatform, type Api, type TestPlatform } from '../support/platform.ts'
import { getRaw, seedDistrict, userApi, type SeededDistrict } from './registry-support.ts'

interface Tenant extends SeededDistrict { incidentId: string, commandId: string, responderId: string, callId: string, roundId: string, assessmentId: string, statementId: string, users: Record<Role, Api & { userId: string, username: string }> }

/** `hidden`: answers 200 without any of the other tenant's records; `404`: answers 404. */
interface Probe { role: Role, url: (t: Tenant) => string, expect: 'hidden' | 404 }

const list = (role: Role, url: string): Probe => ({ role, url: () => url, expect: 'hidden' })
const read = (role: Role, url: (t: Tenant) => string): Probe => ({ role, url, expect: 404 })

/** Every GET route, with how it is probed. A route missing here fails the first test. */
const TABLE: Record<string, Probe[]> = {
  '/api/areas': [list('operator', '/api/areas')],
  '/api/areas/:id': [read('operator', (t) => `/api/areas/${t.districtId}`), read('admin', (t) => `/api/areas/${t.communityId}`)],
  '/api/areas/:id/history': [read('auditor', (t) => `/api/areas/${t.streetId}/history`)],
  '/api/sites': [list('operator', '/api/sites')],
  '/api/sites/:id': [read('operator', (t) => `/api/sites/${t.homeId}`), read('admin', (t) => `/api/sites/${t.institutionId}`)],
  '/api/sites/:id/history': [read('auditor', (t) => `/api/sites/${t.homeId}/history`)],
  '/api/residents': [list('operator', '/api/residents'), list('supervisor', '/api/residents?flagged=true')],
  '/api/residents/:id': [read('operator', (t) => `/api/residents/${t.residentId}`)],
  '/api/devices': [list('operator', '/api/devices')],
  '/api/devices/:id': [read('operator', (t) => `/api/devices/${t.deviceId}`)],
  '/api/users': [list('admin', '/api/users'), list('auditor', '/api/users')],
  '/api/users/:id': [read('admin', (t) => `/api/users/${t.users.operator.userId}`)],
  '/api/audit': [list('auditor', '/api/audit'), list('admin', '/api/audit?action=resident.')],
  '/api/visits': [list('operator', '/api/visits')],
  '/api/visits/:id': [read('operator', (t) => `/api/visits/${t.visitId}`)],
  '/api/visits/overdue': [list('supervisor', '/api/visits/overdue'), read('supervisor', (t) => `/api/visits/overdue?areaId=${t.districtId}`)],
  '/api/visits/coverage': [list('supervisor', '/api/visits/coverage?month=2020-01'), read('supervisor', (t) => `/api/visits/coverage?areaId=${t.communityId}`)],
  '/api/reports/summary': [list('supervisor', '/api/reports/summary'), read('auditor', (t) => `/api/reports/summary?areaId=${t.districtId}`)],
  '/api/reports/summary.csv': [list('supervisor', '/api/reports/summary.csv'), read('admin', (t) => `/api/reports/summary.csv?areaId=${t.streetId}`)],
  '/api/incidents': [list('operator', '/api/incidents?filter=all')],
  '/api/incidents/:id': [read('operator', (t) => `/api/incidents/${t.incidentId}`)],
  '/api/commands/:id': [read('operator', (t) => `/api/commands/${t.commandId}`)],
  '/api/incidents/:id/candidates': [read('operator', (t) => `/api/incidents/${t.incidentId}/candidates`)],
  '/api/incidents/:id/offers': [read('supervisor', (t) => `/api/incidents/${t.incidentId}/offers`)],
  '/api/responders': [list('operator', '/api/responders'), list('admin', '/api/responders')],
  '/api/responders/:id': [read('operator', (t) => `/api/responders/${t.responderId}`)],
  '/api/residents/:id/vitals': [read('operator', (t) => `/api/residents/${t.residentId}/vitals`)],
  '/api/residents/:id/detection': [read('supervisor', (t) => `/api/residents/${t.residentId}/detection`)],
  '/api/observers': [list('admin', '/api/observers')],
  '/api/calls/:id': [read('operator', (t) => `/api/calls/${t.callId}`), read('auditor', (t) => `/api/calls/${t.callId}`)],
  '/api/residents/:id/calls': [read('operator', (t) => `/api/residents/${t.residentId}/calls`)],
  '/api/residents/:id/call-settings': [read('supervisor', (t) => `/api/residents/${t.residentId}/call-settings`)],
  '/api/residents/:id/daily-checkin': [read('operator', (t) => `/api/residents/${t.residentId}/daily-checkin`)],
  '/api/welfare-rounds': [list('supervisor', '/api/welfare-rounds'), list('auditor', '/api/welfare-rounds')],
  '/api/welfare-rounds/:id': [read('operator', (t) => `/api/welfare-rounds/${t.roundId}`)],
  // per area since issue 13: another district's policy is unknown to the caller
  '/api/policies/response': [read('supervisor', (t) => `/api/policies/response?areaId=${t.districtId}`), read('operator', (t) => `/api/policies/response?areaId=${t.communityId}`)],
  '/api/residents/:id/position': [read('operator', (t) => `/api/residents/${t.residentId}/position`)],
  '/api/residents/:id/track': [read('operator', (t) => `/api/residents/${t.residentId}/track`)],
  '/api/residents/:id/safe-zone': [read('auditor', (t) => `/api/residents/${t.residentId}/safe-zone`)],
  '/api/wall': [list('operator', '/api/wall')],
  // Supervision (issue 16)
  '/api/residents/:id/assessments': [read('operator', (t) => `/api/residents/${t.residentId}/assessments`)],
  '/api/residents/:id/status-history': [read('operator', (t) => `/api/residents/${t.residentId}/status-history`)],
  '/api/assessments/:id/pdf': [read('supervisor', (t) => `/api/assessments/${t.assessmentId}/pdf`)],
  '/api/assessments/due': [read('supervisor', (t) => `/api/assessments/due?areaId=${t.districtId}`)],
  '/api/reports/population': [list('supervisor', '/api/reports/population'), read('auditor', (t) => `/api/reports/population?areaId=${t.districtId}`)],
  '/api/reports/population.csv': [read('admin', (t) => `/api/reports/population.csv?areaId=${t.streetId}`)],
  '/api/reports/visit-coverage': [read('supervisor', (t) => `/api/reports/visit-coverage?areaId=${t.communityId}`)],
  '/api/reports/roster': [list('supervisor', '/api/reports/roster?groups=lives_alone'), read('operator', (t) => `/api/reports/roster?areaId=${t.districtId}&groups=lives_alone`)],
  '/api/areas/:id/visit-rules': [read('supervisor', (t) => `/api/areas/${t.districtId}/visit-rules`)],
  '/api/areas/:id/targets/:year': [read('supervisor', (t) => `/api/areas/${t.districtId}/targets/2026`)],
  '/api/targets': [list('supervisor', '/api/targets?year=2026'), read('auditor', (t) => `/api/targets?areaId=${t.districtId}&year=2026&depth=subtree`)],
  '/api/statements': [list('supervisor', '/api/statements')],
  '/api/statements/:id': [read('supervisor', (t) => `/api/statements/${t.statementId}`)],
  '/api/statements/:id/csv': [read('auditor', (t) => `/api/statements/${t.statementId}/csv`)],
  '/api/statements/:id/pdf': [read('admin', (t) => `/api/statements/${t.statementId}/pdf`)],
  '/api/integrations': [list('admin', '/api/integrations')]
}

/** GET routes that hold no area-scoped records, and why. */
const EXEMPT: Record<string, string> = {
  '/api/health': 'component health only, no records',
  '/api/live': 'liveness only: answers without asking any component, no records',
  '/api/auth/me': 'the caller themself',
  '/api/map': 'the installation\'s tile settings, no records',
  '/api/assessment-form': 'the GB/T 42195-2022 form itself, no records'
}

let p: TestPlatform
const tenants: Record<'A' | 'B', Tenant> = {} as never
const ROLES_USED: Role[] = ['operator', 'supervisor', 'admin', 'auditor']

/** Strings that identify a tenant's records in any answer. */
const markers = (t: Tenant): string[] => [t.tag, t.districtId, t.streetId, t.communityId, t.homeId, t.institutionId, t.residentId, t.deviceId, t.visitId, t.incidentId, t.responderId, t.callId, t.roundId, ...Object.values(t.users).map((u) => u.userId)]

beforeAll(async () => {
  p = await startTestPlatform()
  await p.api.login()
  for (const name of ['A', 'B'] as const) {
    const tag = `tenant${name}${Math.random().toString(36).slice(2, 8)}`
    const d = await seedDistrict(p.api, tag)
    const users = {} as Tenant['users']
    for (const role of ROLES_USED) users[role] = await userApi(p.api, role, d.districtId, `${role}-${tag}`)
    // A visit with follow-up opens an incident in the tenant's area; a command gives a command record.
    const v = await p.api.post('/api/visits', { residentId: d.residentId, dueDate: '2026-11-30' })
    const recorded = await users.operator.post(`/api/visits/${v.id}/record`, { visitedAt: '2026-11-02T10:00:00.000Z', outcome: 'needs_help', followUpNeeded: true })
    const cmd = await users.operator.post(`/api/devices/${d.deviceId}/commands`, { type: 'test.request' })
    // The tenant's own people leave audit entries in its area.
    await users.operator.post(`/api/residents/${d.residentId}/reveal/key-safe-code`, { reason: 'ambulance at the door' })
    const responder = await p.api.post('/api/responders', { name: `护理员-${tag}`, kind: 'care_worker', areaId: d.communityId, phone: '13700001111' })
    // An MQTT observer account (issue 8) in the tenant's district.
    await p.api.post('/api/observers', { username: `obs-${tag}`, areaId: d.districtId })
    // A known position and a safe zone (issue 15) for the position and safe-zone reads.
    await p.db.query(`insert into positions_last (device_id, resident_id, lat, lng, acc, at, source) values ($1, $2, 39.9, 116.4, 10, now(), 'telemetry')`, [d.deviceId, d.residentId])
    await p.api.request('PUT', `/api/residents/${d.residentId}/safe-zone`, { circle: { lat: 39.9, lng: 116.4, radiusM: 300 } })
    // A call (issue 17) recorded against the tenant's resident, a welfare round over its district, a daily check-in plan.
    const callId = `call-${tag}`
    await p.db.query(`insert into calls (id, direction, status, device_id, device_call_id, resident_id, started_at) values ($1, 'outbound', 'missed', $2, $1, $3, now())`, [callId, d.deviceId, d.residentId])
    const round = await users.supervisor.post('/api/welfare-rounds', { areaId: d.districtId, message: `高温-${tag}`, deadline: new Date(Date.now() + 3600_000).toISOString() })
    await users.operator.request('PUT', `/api/residents/${d.residentId}/daily-checkin`, { windowStart: '07:00', windowEnd: '10:00' })
    // Supervision records (issue 16): an assessment, a kept statement, an integration account.
    const scores = Object.fromEntries(ASSESSMENT_ITEMS.map((it) => [it.key, it.max]))
    const assessment = await users.supervisor.post(`/api/residents/${d.residentId}/assessments`, { assessedAt: '2026-01-10T09:00:00.000Z', assessor: { name: `评估员-${tag}`, certificateNo: 'C-1' }, scores })
    const statement = await users.supervisor.post('/api/statements', { areaId: d.districtId, month: '2026-01' })
    await p.api.post('/api/integrations', { name: `上级-${tag}`, username: `int-${tag}`, areaId: d.districtId })
    tenants[name] = { ...d, users, incidentId: recorded.incidentId, commandId: cmd.id, responderId: responder.id, callId, roundId: round.id, assessmentId: assessment.id, statementId: statement.id }
  }
})

afterAll(async () => { await p?.close() })

describe('area isolation over every GET route', () => {
  it('has a probe or an explicit exemption for every GET route of the API', () => {
    const spec = p.app.swagger() as { paths: Record<string, Record<string, unknown>> }
    const gets = Object.entries(spec.paths).filter(([, ops]) => 'get' in ops).map(([path]) => path.replace(/\{(\w+)\}/g, ':$1'))
    const missing = gets.filter((g) => g.startsWith('/api/') && !(g in TABLE) && !(g in EXEMPT))
    expect(missing, 'add these routes to TABLE (with a scope check) or to EXEMPT with a reason').toEqual([])
    for (const route of Object.keys(TABLE)) expect(gets, `${route} is in TABLE but not a route`).toContain(route)
  })

  for (const [route, probes] of Object.entries(TABLE)) {
    for (const [i, probe] of probes.entries()) {
      it(`${route} #${i + 1} (${probe.role}): A never sees B, B sees its own`, async () => {
        const [A, B] = [tenants.A, tenants.B]
        const url = probe.url(B)
        const asA = await getRaw(A.users[probe.role], url)
        const asB = await getRaw(B.users[probe.role], url)
        expect(asB.status, `B's own user reads ${url}`).toBe(200)
        if (probe.expect === 404) {
          expect(asA.status, `A reads B's ${url}`).toBe(404)
          expect(asA.text).not.toContain(B.tag)
        } else {
          expect(asA.status).toBe(200)
          for (const m of markers(B)) expect(asA.text, `A's answer from ${url} holds B's ${m}`).not.toContain(m)
          // The probe can fail: the same answer for B names B's own records (lists) or B's area (reports).
          expect(markers(B).some((m) => asB.text.includes(m)), `B's answer from ${url} names none of B's records`).toBe(true)
        }
      })
    }
  }
})

describe('area isolation of realtime events', () => {
  it('device:status of B reaches B\'s operator and never A\'s', async () => {
    const [A, B] = [tenants.A, tenants.B]
    const sockA = A.users.operator.socket()
    const sockB = B.users.operator.socket()
    const seenByA: string[] = []
    sockA.on('device:status', (s) => seenByA.push(s.id))
    await Promise.all([sockA, sockB].map((s) => new Promise<void>((resolve, reject) => { s.once('connect', resolve); s.once('connect_error', reject) })))
    const devB = new SimDevice({ url: p.mqttUrl, credentials: { id: B.deviceId, secret: B.deviceSecret, type: 'fall_detector' } })
    const devA = new SimDevice({ url: p.mqttUrl, credentials: { id: A.deviceId, secret: A.deviceSecret, type: 'fall_detector' } })
    try {
      const bStatus = nextEvent(sockB, 'device:status', (s) => s.id === B.deviceId, 15_000)
      await devB.connect()
      await bStatus
      // A's own event comes after B's on the same server: had A been in B's room, B's would be there first.
      const aStatus = nextEvent(sockA, 'device:status', (s) => s.id === A.deviceId, 15_000)
      await devA.connect()
      await aStatus
      expect(seenByA).not.toContain(B.deviceId)
    } finally {
      await devA.close(); await devB.close()
      sockA.close(); sockB.close()
    }
  })

  it('incident:opened in B reaches B\'s supervisor and never A\'s', async () => {
    const [A, B] = [tenants.A, tenants.B]
    const sockA = A.users.supervisor.socket()
    const sockB = B.users.supervisor.socket()
    const seenByA: string[] = []
    sockA.on('incident:opened', (i) => seenByA.push(i.residentId ?? ''))
    await Promise.all([sockA, sockB].map((s) => new Promise<void>((resolve, reject) => { s.once('connect', resolve); s.once('connect_error', reject) })))
    try {
      const raise = async (t: Tenant) => {
        const other = await p.api.post('/api/residents', { name: `李爷爷-${t.tag}`, siteId: t.homeId, flags: ['empty_nest'] })
        const v = await p.api.post('/api/visits', { residentId: other.id, dueDate: '2026-11-30' })
        await t.users.operator.post(`/api/visits/${v.id}/record`, { visitedAt: '2026-11-03T09:00:00.000Z', outcome: 'needs_help', followUpNeeded: true })
        return other.id as string
      }
      const inB = nextEvent(sockB, 'incident:opened', (i) => i.type === 'visit_follow_up' && i.areaId === B.communityId, 15_000)
      const residentB = await raise(B)
      expect((await inB).residentId).toBe(residentB)
      const inA = nextEvent(sockA, 'incident:opened', (i) => i.type === 'visit_follow_up' && i.areaId === A.communityId, 15_000)
      await raise(A)
      await inA
      expect(seenByA).not.toContain(residentB)
    } finally {
      sockA.close(); sockB.close()
    }
  })

  // Runs last: it moves A's home into B.
  it('after a site moves to another district, its device\'s status goes to the new district only', async () => {
    const [A, B] = [tenants.A, tenants.B]
    const sockA = A.users.operator.socket()
    const sockB = B.users.operator.socket()
    await Promise.all([sockA, sockB].map((s) => new Promise<void>((resolve, reject) => { s.once('connect', resolve); s.once('connect_error', reject) })))
    const creds = { id: A.deviceId, secret: A.deviceSecret, type: 'fall_detector' as const }
    const extra = await p.api.post('/api/devices', { type: 'sos_button', siteId: A.institutionId })
    try {
      // Before: A's device reports to A (and the platform caches its area).
      const before = new SimDevice({ url: p.mqttUrl, credentials: creds })
      const online = nextEvent(sockA, 'device:status', (s) => s.id === A.deviceId && s.online, 15_000)
      await before.connect()
      await online
      const offline = nextEvent(sockA, 'device:status', (s) => s.id === A.deviceId && !s.online, 15_000)
      await before.close()
      await offline

      await p.api.request('PATCH', `/api/sites/${A.homeId}`, { areaId: B.communityId })
      const seenByA: string[] = []
      sockA.on('device:status', (s) => seenByA.push(s.id))
      const after = new SimDevice({ url: p.mqttUrl, credentials: creds })
      const inB = nextEvent(sockB, 'device:status', (s) => s.id === A.deviceId && s.online, 15_000)
      await after.connect()
      await inB
      // A device still in A reports after it: had the moved one gone to A's rooms, A would have it first.
      const other = new SimDevice({ url: p.mqttUrl, credentials: { id: extra.id, secret: extra.secret, type: 'sos_button' } })
      const inA = nextEvent(sockA, 'device:status', (s) => s.id === extra.id, 15_000)
      await other.connect()
      await inA
      expect(seenByA).not.toContain(A.deviceId)
      await after.close(); await other.close()
    } finally {
      sockA.close(); sockB.close()
    }
  })
})
