/**
 * Issue 13: the authorisation table, every state-changing route × every role × inside/outside
 * the caller's area → the expected status, through the real stack (HTTP, guards, SQL). A role
 * without the route's capability (protocols/src/capabilities.ts) gets 403 inside and outside;
 * a role with it gets 404 for a record of another district (never told apart from "unknown"),
 * and is served for a record of its own. The GET routes are covered the same way by
 * tests/registry/access-area-isolation.test.ts; the routes are enumerated from the OpenAPI
 * document, so a new route without a row here fails the first test.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ASSESSMENT_ITEMS, DEFAULT_PRIORITY_POLICY, DEFAULT_SLA_POLICY, ROLES, roleCan, type Capability, type Role } from '@eldercare/protocols'
import { nextEvent, startTestPlatform, type Api, type TestPlatform } from '../support/platform.ts'
import { seedDistrict, userApi, type SeededDistrict } from '../registry/registry-support.ts'

interface Tenant extends SeededDistrict { incidentId: string, observerId: string, responderId: string, spareUserId: string, users: Record<Role, Api & { userId: string }> }

interface Row {
  capability: Capability
  url: (t: Tenant) => string
  body?: (t: Tenant) => unknown
  /** Content type when not JSON (CSV imports). */
  csv?: boolean
  /** Statuses a permitted caller may get for its own area's record (the action's own outcomes). */
  inside?: number[]
  /** What a permitted caller gets for another district's record: 404, or 422 for a CSV naming it. */
  outside?: number
}

const once = () => randomUUID().slice(0, 8)
const policy = { priority: DEFAULT_PRIORITY_POLICY, sla: DEFAULT_SLA_POLICY }
const OK = [200, 201, 202, 204]
const OR_STATE = [...OK, 409]

/** Every non-GET route under /api, but the session ones. */
const TABLE: Record<string, Row> = {
  'POST /api/incidents/:id/acknowledge': { capability: 'incident.act', url: (t) => `/api/incidents/${t.incidentId}/acknowledge`, body: () => ({}), inside: OR_STATE },
  'POST /api/incidents/:id/note': { capability: 'incident.act', url: (t) => `/api/incidents/${t.incidentId}/note`, body: () => ({ text: '电话确认' }), inside: OK },
  'POST /api/incidents/:id/dispatch': { capability: 'incident.act', url: (t) => `/api/incidents/${t.incidentId}/dispatch`, body: (t) => ({ responderId: t.responderId }), inside: OR_STATE },
  'POST /api/incidents/:id/decline': { capability: 'incident.act', url: (t) => `/api/incidents/${t.incidentId}/decline`, body: () => ({}), inside: OR_STATE },
  'POST /api/incidents/:id/arrive': { capability: 'incident.act', url: (t) => `/api/incidents/${t.incidentId}/arrive`, body: () => ({}), inside: OR_STATE },
  'POST /api/incidents/:id/intercom/:action': { capability: 'incident.act', url: (t) => `/api/incidents/${t.incidentId}/intercom/hangup`, inside: OR_STATE },
  'POST /api/incidents/:id/resolve': { capability: 'incident.act', url: (t) => `/api/incidents/${t.incidentId}/resolve`, body: () => ({ outcome: 'false_alarm_user' }), inside: OR_STATE },
  'POST /api/incidents/:id/close': { capability: 'incident.act', url: (t) => `/api/incidents/${t.incidentId}/close`, body: () => ({ reason: '误报' }), inside: OR_STATE },
  'POST /api/devices/:id/commands': { capability: 'device.command', url: (t) => `/api/devices/${t.deviceId}/commands`, body: () => ({ type: 'test.request' }), inside: OK },
  'PUT /api/residents/:id/detection': { capability: 'detection.write', url: (t) => `/api/residents/${t.residentId}/detection`, body: () => ({}), inside: OK },
  'POST /api/residents/:id/reveal/:field': { capability: 'resident.reveal', url: (t) => `/api/residents/${t.residentId}/reveal/key-safe-code`, body: () => ({ reason: '救护车到门口' }), inside: OK },
  'POST /api/areas': { capability: 'registry.write', url: () => '/api/areas', body: (t) => ({ name: `街道-${once()}`, level: 'street', parentId: t.districtId }), inside: OK },
  'PATCH /api/areas/:id': { capability: 'registry.write', url: (t) => `/api/areas/${t.communityId}`, body: (t) => ({ name: `社区-${t.tag}` }), inside: OK },
  'POST /api/sites': { capability: 'registry.write', url: () => '/api/sites', body: (t) => ({ name: `家-${once()}`, kind: 'home', areaId: t.communityId }), inside: OK },
  'PATCH /api/sites/:id': { capability: 'registry.write', url: (t) => `/api/sites/${t.homeId}`, body: (t) => ({ address: `${t.tag} 路 1 号` }), inside: OK },
  'POST /api/residents': { capability: 'registry.write', url: () => '/api/residents', body: (t) => ({ name: `李爷爷-${once()}`, siteId: t.homeId }), inside: OK },
  'PATCH /api/residents/:id': { capability: 'registry.write', url: (t) => `/api/residents/${t.residentId}`, body: () => ({ accessNotes: '钥匙在门口信箱' }), inside: OK },
  'POST /api/devices': { capability: 'registry.write', url: () => '/api/devices', body: (t) => ({ type: 'sos_button', siteId: t.homeId }), inside: OK },
  'PATCH /api/devices/:id': { capability: 'registry.write', url: (t) => `/api/devices/${t.deviceId}`, body: (t) => ({ residentId: t.residentId }), inside: OK },
  'POST /api/devices/:id/rotate-secret': { capability: 'registry.write', url: (t) => `/api/devices/${t.deviceId}/rotate-secret`, inside: OK },
  'POST /api/users': { capability: 'registry.write', url: () => '/api/users', body: (t) => ({ username: `u-${once()}`, password: 'correct-horse-battery', role: 'operator', areaId: t.communityId }), inside: OK },
  'PATCH /api/users/:id': { capability: 'registry.write', url: (t) => `/api/users/${t.spareUserId}`, body: () => ({ displayName: '值班员' }), inside: OK },
  'POST /api/users/:id/reset-password': { capability: 'registry.write', url: (t) => `/api/users/${t.spareUserId}/reset-password`, body: () => ({ password: 'correct-horse-battery' }), inside: OK },
  'POST /api/observers': { capability: 'registry.write', url: () => '/api/observers', body: (t) => ({ username: `obs-${once()}`, areaId: t.districtId }), inside: OK },
  'POST /api/observers/:id/disable': { capability: 'registry.write', url: (t) => `/api/observers/${t.observerId}/disable`, inside: OK },
  'POST /api/import/areas': { capability: 'registry.write', url: () => '/api/import/areas', csv: true, body: (t) => `name,level,parent_id\n街道-${once()},street,${t.districtId}\n`, inside: OK, outside: 422 },
  'POST /api/import/sites': { capability: 'registry.write', url: () => '/api/import/sites', csv: true, body: (t) => `name,kind,area_id\n家-${once()},home,${t.communityId}\n`, inside: OK, outside: 422 },
  'POST /api/import/residents': { capability: 'registry.write', url: () => '/api/import/residents', csv: true, body: (t) => `name,site_id\n赵奶奶-${once()},${t.homeId}\n`, inside: OK, outside: 422 },
  'POST /api/import/devices': { capability: 'registry.write', url: () => '/api/import/devices', csv: true, body: (t) => `type,site_id\nsos_button,${t.homeId}\n`, inside: OK, outside: 422 },
  'POST /api/visits': { capability: 'visit.plan', url: () => '/api/visits', body: (t) => ({ residentId: t.residentId, dueDate: '2026-12-31' }), inside: OK },
  'POST /api/visits/plan-month': { capability: 'visit.plan', url: () => '/api/visits/plan-month', body: (t) => ({ month: '2026-12', areaId: t.districtId }), inside: OK },
  'POST /api/visits/:id/record': { capability: 'visit.record', url: (t) => `/api/visits/${t.visitId}/record`, body: () => ({ visitedAt: '2026-11-02T10:00:00.000Z', outcome: 'well', followUpNeeded: false }), inside: OR_STATE },
  'POST /api/visits/:id/cancel': { capability: 'visit.plan', url: (t) => `/api/visits/${t.visitId}/cancel`, body: () => ({}), inside: OR_STATE },
  'POST /api/responders': { capability: 'registry.write', url: () => '/api/responders', body: (t) => ({ name: `志愿者-${once()}`, kind: 'volunteer', areaId: t.communityId, phone: '13700002222' }), inside: OK },
  'PATCH /api/responders/:id': { capability: 'responder.duty', url: (t) => `/api/responders/${t.responderId}`, body: () => ({ onDuty: true }), inside: OK },
  'PUT /api/policies/response': { capability: 'policy.write', url: (t) => `/api/policies/response?areaId=${t.communityId}`, body: () => policy, inside: OK },
  'DELETE /api/policies/response': { capability: 'policy.write', url: (t) => `/api/policies/response?areaId=${t.communityId}`, inside: OK },
  // issue 17: calls and welfare rounds. The seeded home has no intercom and no call, so a call
  // cannot start (409) and a call's visit names no call of the district (404 inside as outside):
  // those rows prove the guard (403 without the capability) and the area (never 200 elsewhere).
  'POST /api/residents/:id/calls': { capability: 'call.make', url: (t) => `/api/residents/${t.residentId}/calls`, body: () => ({}), inside: OR_STATE },
  'POST /api/incidents/:id/call': { capability: 'call.make', url: (t) => `/api/incidents/${t.incidentId}/call`, body: () => ({}), inside: OR_STATE },
  'POST /api/calls/:id/visit': { capability: 'call.make', url: (t) => `/api/calls/call-none-${t.tag}/visit`, body: () => ({ outcome: 'well' }), inside: [404] },
  'PUT /api/residents/:id/call-settings': { capability: 'call.settings', url: (t) => `/api/residents/${t.residentId}/call-settings`, body: () => ({ autoAnswer: true }), inside: OK },
  'POST /api/welfare-rounds': { capability: 'welfare.start', url: () => '/api/welfare-rounds', body: (t) => ({ areaId: t.communityId, message: '今天高温，请多喝水', deadline: new Date(Date.now() + 3_600_000).toISOString() }), inside: OK },
  // issue 15: a resident's safe zone (circle around the home, or a polygon)
  'PUT /api/residents/:id/safe-zone': { capability: 'detection.write', url: (t) => `/api/residents/${t.residentId}/safe-zone`, body: () => ({ circle: { lat: 39.9, lng: 116.4, radiusM: 300 } }), inside: OK },
  'DELETE /api/residents/:id/safe-zone': { capability: 'detection.write', url: (t) => `/api/residents/${t.residentId}/safe-zone`, inside: OK },
  // issue 16: supervision. No integration account exists in the seeded district, so disabling
  // one answers 404 inside as outside: that row proves the guard (403 without the capability).
  'POST /api/residents/:id/assessments': { capability: 'assessment.record', url: (t) => `/api/residents/${t.residentId}/assessments`, body: () => ({ assessedAt: '2026-11-02T10:00:00.000Z', assessor: { name: '张评估', certificateNo: 'PG-2026-001' }, scores: Object.fromEntries(ASSESSMENT_ITEMS.map((i) => [i.key, i.max])) }), inside: OK },
  'PUT /api/residents/:id/capacity-level': { capability: 'capacity.override', url: (t) => `/api/residents/${t.residentId}/capacity-level`, body: () => ({ level: 2, reason: '复核后调整' }), inside: OK },
  'POST /api/residents/:id/condition-changes': { capability: 'condition.mark', url: (t) => `/api/residents/${t.residentId}/condition-changes`, body: () => ({ reason: '中风后行动不便' }), inside: OK },
  'PUT /api/residents/:id/status': { capability: 'resident.status', url: (t) => `/api/residents/${t.residentId}/status`, body: () => ({ status: 'active' }), inside: OK },
  'PUT /api/areas/:id/visit-rules': { capability: 'target.write', url: (t) => `/api/areas/${t.communityId}/visit-rules`, body: () => ({ eligibleGroups: ['lives_alone'], countingMethods: ['home', 'phone'] }), inside: OK },
  // issue 16: back to inheriting (idempotent: served inside whether or not the area has a rule of its own)
  'DELETE /api/areas/:id/visit-rules': { capability: 'target.write', url: (t) => `/api/areas/${t.communityId}/visit-rules`, inside: OK },
  'PUT /api/areas/:id/targets/:year': { capability: 'target.write', url: (t) => `/api/areas/${t.districtId}/targets/2026`, body: () => ({ familyBeds: 10, visitCoverage: 1, assessmentCoverage: 0.9, ackWithin60s: 0.95 }), inside: OK },
  'POST /api/statements': { capability: 'statement.generate', url: () => '/api/statements', body: (t) => ({ areaId: t.communityId, month: '2026-10', reason: '复核后重新生成' }), inside: OR_STATE },
  'POST /api/integrations': { capability: 'registry.write', url: () => '/api/integrations', body: (t) => ({ name: '市养老服务平台', username: `city-${once()}`, areaId: t.districtId }), inside: OK },
  'POST /api/integrations/:id/disable': { capability: 'registry.write', url: (t) => `/api/integrations/none-${t.tag}/disable`, body: () => ({}), inside: [404] },
  'PUT /api/residents/:id/daily-checkin': { capability: 'checkin.plan', url: (t) => `/api/residents/${t.residentId}/daily-checkin`, body: () => ({ windowStart: '07:00', windowEnd: '10:00' }), inside: OK }
}

let p: TestPlatform
const tenants = {} as Record<'A' | 'B', Tenant>

beforeAll(async () => {
  p = await startTestPlatform()
  await p.api.login()
  for (const name of ['A', 'B'] as const) {
    const tag = `matrix${name}${once()}`
    const d = await seedDistrict(p.api, tag)
    const users = {} as Tenant['users']
    for (const role of ROLES) users[role] = await userApi(p.api, role, d.districtId, `${role}-${tag}`)
    const v = await p.api.post('/api/visits', { residentId: d.residentId, dueDate: '2026-11-30' })
    const recorded = await users.operator.post(`/api/visits/${v.id}/record`, { visitedAt: '2026-11-02T10:00:00.000Z', outcome: 'needs_help', followUpNeeded: true })
    const responder = await p.api.post('/api/responders', { name: `护理员-${tag}`, kind: 'care_worker', areaId: d.communityId, phone: '13700001111' })
    const observer = await p.api.post('/api/observers', { username: `obs-${tag}`, areaId: d.districtId })
    // an intercom at the home, so the incident's intercom actions have a device to command
    await p.api.post('/api/devices', { type: 'intercom', siteId: d.homeId })
    // an account for PATCH and reset-password (which signs its holder out)
    const spare = await p.api.post('/api/users', { username: `spare-${tag}`, password: 'correct-horse-battery', role: 'operator', areaId: d.communityId })
    tenants[name] = { ...d, users, incidentId: recorded.incidentId, responderId: responder.id, observerId: observer.id, spareUserId: spare.id }
  }
})
afterAll(async () => { await p?.close() })

async function call (api: Api, key: string, row: Row, target: Tenant): Promise<{ status: number, text: string }> {
  const method = key.split(' ')[0]
  const body = row.body?.(target)
  const res = await fetch(api.baseUrl + row.url(target), {
    method,
    headers: { authorization: `Bearer ${api.token}`, ...(body === undefined ? {} : { 'content-type': row.csv ? 'text/csv' : 'application/json' }) },
    body: body === undefined ? undefined : row.csv ? String(body) : JSON.stringify(body)
  })
  return { status: res.status, text: await res.text() }
}

describe('authorisation: every state-changing route × role × inside/outside the area', () => {
  it('has a row for every state-changing route of the API', () => {
    const spec = p.app.swagger() as { paths: Record<string, Record<string, unknown>> }
    const routes = Object.entries(spec.paths).flatMap(([path, ops]) => Object.keys(ops).filter((m) => ['post', 'put', 'patch', 'delete'].includes(m))
      .map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`)).filter((k) => k.includes(' /api/') && !k.includes(' /api/auth/'))
    expect(routes.filter((r) => !(r in TABLE)), 'add these routes to TABLE').toEqual([])
    for (const k of Object.keys(TABLE)) expect(routes, `${k} is in TABLE but not a route`).toContain(k)
  })

  // Outside first, so that every record of B is still there when A's users try it.
  for (const [key, row] of Object.entries(TABLE)) {
    it(`${key}: outside the caller's area`, async () => {
      for (const role of ROLES) {
        const r = await call(tenants.A.users[role], key, row, tenants.B)
        const expected = roleCan(role, row.capability) ? (row.outside ?? 404) : 403
        expect(r.status, `${role} of A on B's record: ${r.text}`).toBe(expected)
        expect(r.text).not.toContain(tenants.B.tag)
      }
    })
  }
  for (const [key, row] of Object.entries(TABLE)) {
    it(`${key}: inside the caller's area`, async () => {
      for (const role of ROLES) {
        const r = await call(tenants.B.users[role], key, row, tenants.B)
        if (roleCan(role, row.capability)) expect(row.inside ?? OK, `${role} of B on B's record: ${r.status} ${r.text}`).toContain(r.status)
        else expect(r.status, `${role} of B without ${row.capability}`).toBe(403)
      }
    })
  }
})

describe('authorisation of socket events', () => {
  it('incident:updated of B reaches B\'s operator and never A\'s; a responder socket is refused', async () => {
    const [A, B] = [tenants.A, tenants.B]
    const sockets = [A.users.operator.socket(), B.users.operator.socket()]
    const seenByA: string[] = []
    sockets[0].on('incident:updated', (i) => seenByA.push(i.id))
    sockets[0].on('incident:opened', (i) => seenByA.push(i.id))
    await Promise.all(sockets.map((s) => new Promise<void>((resolve, reject) => { s.once('connect', resolve); s.once('connect_error', reject) })))
    const refused = B.users.responder.socket()
    const err = await new Promise<Error>((resolve) => refused.once('connect_error', resolve))
    expect(err.message).toMatch(/^PLT_ERR_FORBIDDEN/)
    refused.close()
    try {
      const v = await p.api.post('/api/visits', { residentId: B.residentId, dueDate: '2026-12-30' })
      const opened = nextEvent(sockets[1], 'incident:opened', (i) => i.areaId === B.communityId, 15_000)
      const { incidentId } = await B.users.operator.post(`/api/visits/${v.id}/record`, { visitedAt: '2026-11-05T10:00:00.000Z', outcome: 'needs_help', followUpNeeded: true })
      await opened
      const updated = nextEvent(sockets[1], 'incident:updated', (i) => i.id === incidentId, 15_000)
      await B.users.operator.post(`/api/incidents/${incidentId}/note`, { text: '已联系家属' })
      await updated
      // A's own event after B's: had A been in B's rooms, B's would be there first.
      const own = nextEvent(sockets[0], 'incident:updated', (i) => i.areaId === A.communityId, 15_000)
      const w = await p.api.post('/api/visits', { residentId: A.residentId, dueDate: '2026-12-30' })
      const mine = await A.users.operator.post(`/api/visits/${w.id}/record`, { visitedAt: '2026-11-05T10:00:00.000Z', outcome: 'needs_help', followUpNeeded: true })
      await A.users.operator.post(`/api/incidents/${mine.incidentId}/note`, { text: '已联系家属' })
      await own
      expect(seenByA).not.toContain(incidentId)
    } finally {
      for (const s of sockets) s.close()
    }
  })
})
