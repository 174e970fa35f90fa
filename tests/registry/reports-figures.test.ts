/**
 * Report figures on a seeded data set, checked against values computed by hand, on PGlite and
 * on PostgreSQL (the same SQL runs on both). Clock fixed at NOW; the period is May 2026.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiError, startTestPlatform, type TestPlatform } from '../support/platform.ts'
import { describeOnPostgres, getRaw, userApi } from './registry-support.ts'

const NOW = Date.parse('2026-06-15T12:00:00.000Z')
const FROM = '2026-05-01T00:00:00.000Z'
const TO = '2026-06-01T00:00:00.000Z'
const at = (s: string) => new Date(s)
const plus = (base: string, seconds: number) => new Date(Date.parse(base) + seconds * 1000)
const ACK_MS = { P1: 60, P2: 180, P3: 900 } as const

interface Seeded { districtId: string, communityId: string, otherDistrictId: string }

/** The data set (hand-computed figures in the expectations below). */
async function seed (p: TestPlatform): Promise<Seeded> {
  const api = p.api
  const city = (await api.get('/api/areas')).items.find((a: { level: string }) => a.level === 'city')
  const district = await api.post('/api/areas', { name: '报表区', level: 'district', parentId: city.id })
  const street = await api.post('/api/areas', { name: '报表街道', level: 'street', parentId: district.id })
  const community = await api.post('/api/areas', { name: '报表社区', level: 'community', parentId: street.id })
  const other = await api.post('/api/areas', { name: '别的区', level: 'district', parentId: city.id })
  const otherC = await api.post('/api/areas', { name: '别的社区', level: 'community', parentId: other.id })
  const site = await api.post('/api/sites', { name: '报表之家', kind: 'home', areaId: community.id })
  const otherSite = await api.post('/api/sites', { name: '别家', kind: 'home', areaId: otherC.id })
  const res = async (name: string, flags: string[], siteId = site.id) => (await api.post('/api/residents', { name, siteId, flags })).id as string
  const R = [await res('R1', ['lives_alone']), await res('R2', ['empty_nest']), await res('R3', []), await res('R4', ['left_behind'])]
  const outsider = await res('外区', ['lives_alone'], otherSite.id)
  await p.db.query(`update residents set created_at = '2026-01-01T00:00:00Z'`)
  const dev = async (residentId: string) => (await api.post('/api/devices', { type: 'fall_detector', siteId: site.id, residentId })).id as string
  const D = [await dev(R[0]), await dev(R[2]), await dev(R[1]), await dev(R[3])]
  const otherDev = (await api.post('/api/devices', { type: 'sos_button', siteId: otherSite.id, residentId: outsider })).id
  const setDev = (id: string, online: boolean, battery: number | null, lastSeen: Date) =>
    p.db.query('update devices set online = $2, battery = $3, last_seen_at = $4 where id = $1', [id, online, battery, lastSeen])
  await setDev(D[0], true, 80, plus('2026-06-15T12:00:00Z', -3600))
  await setDev(D[1], true, 15, plus('2026-06-15T12:00:00Z', -600)) // low battery
  await setDev(D[2], false, 50, plus('2026-06-15T12:00:00Z', -48 * 3600)) // offline > 24 h: R2 silent
  await setDev(D[3], false, null, plus('2026-06-15T12:00:00Z', -2 * 3600))
  await setDev(otherDev, false, 5, plus('2026-06-15T12:00:00Z', -99 * 3600))

  let n = 0
  const incident = async (o: { type: string, priority: 'P1' | 'P2' | 'P3', opened: string, ackS: number | null, status: string, outcome?: string, resident: string, alarms?: number, sceneS?: number, sceneFlag?: boolean, ackFlag?: boolean, area?: string, siteId?: string }) => {
    const dispatched = o.sceneS !== undefined
    await p.db.query(`insert into incidents (id, type, priority, status, resident_id, site_id, area_id, alarm_count, opened_at, ack_due_at, acknowledged_at,
        resolved_at, outcome, dispatched_at, on_scene_at, on_scene_due_at, ack_breached, on_scene_breached, updated_at)
      values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $9)`, [
      `inc-${++n}`, o.type, o.priority, o.status, o.resident, o.siteId ?? site.id, o.area ?? community.id, o.alarms ?? 1, at(o.opened),
      plus(o.opened, ACK_MS[o.priority]), o.ackS === null ? null : plus(o.opened, o.ackS),
      ['resolved', 'closed_false_alarm'].includes(o.status) ? plus(o.opened, 7200) : null, o.outcome ?? null,
      dispatched ? plus(o.opened, 60) : null, dispatched ? plus(o.opened, o.sceneS!) : null, dispatched ? plus(o.opened, 2700) : null,
      o.ackFlag ?? false, o.sceneFlag ?? false])
  }
  // In the period, in the district (10 incidents):
  await incident({ type: 'fall', priority: 'P1', opened: '2026-05-02T08:00:00Z', ackS: 10, status: 'resolved', outcome: 'responder_no_injury', resident: R[0], alarms: 3, sceneS: 1800 })
  await incident({ type: 'fall', priority: 'P1', opened: '2026-05-03T08:00:00Z', ackS: 20, status: 'closed_false_alarm', outcome: 'false_alarm_device', resident: R[0] })
  await incident({ type: 'sos', priority: 'P1', opened: '2026-05-04T08:00:00Z', ackS: 30, status: 'resolved', outcome: 'injury_treated_on_site', resident: R[1], sceneS: 3000 })
  await incident({ type: 'sos', priority: 'P1', opened: '2026-05-05T08:00:00Z', ackS: 40, status: 'closed_false_alarm', outcome: 'false_alarm_user', resident: R[1] })
  await incident({ type: 'smoke', priority: 'P1', opened: '2026-05-06T08:00:00Z', ackS: 50, status: 'resolved', outcome: 'handled_by_call', resident: R[2] })
  await incident({ type: 'fall', priority: 'P1', opened: '2026-05-07T08:00:00Z', ackS: 60, status: 'resolved', outcome: 'ambulance_called', resident: R[2], sceneS: 4200, sceneFlag: true })
  await incident({ type: 'fall', priority: 'P2', opened: '2026-05-08T08:00:00Z', ackS: 90, status: 'resolved', outcome: 'handled_by_call', resident: R[3] })
  await incident({ type: 'low_battery', priority: 'P3', opened: '2026-05-09T08:00:00Z', ackS: 120, status: 'resolved', outcome: 'no_answer_all_well', resident: R[3] })
  await incident({ type: 'sos', priority: 'P1', opened: '2026-05-20T08:00:00Z', ackS: 200, status: 'acknowledged', resident: R[3], ackFlag: true })
  await incident({ type: 'fall', priority: 'P1', opened: '2026-05-31T23:59:59Z', ackS: null, status: 'open', resident: R[1] })
  // Outside the period, or outside the district: never counted.
  await incident({ type: 'fall', priority: 'P1', opened: '2026-04-30T23:59:59Z', ackS: 500, status: 'resolved', outcome: 'handled_by_call', resident: R[0] })
  await incident({ type: 'fall', priority: 'P1', opened: '2026-06-01T00:00:00Z', ackS: 500, status: 'resolved', outcome: 'handled_by_call', resident: R[0] })
  await incident({ type: 'sos', priority: 'P1', opened: '2026-05-10T08:00:00Z', ackS: 999, status: 'resolved', outcome: 'false_alarm_user', resident: outsider, area: otherC.id, siteId: otherSite.id })

  // Visits: May — R1 and R2 visited (R2 in the last second), R4 only on 1 June; R3 is not flagged.
  const visit = async (resident: string, due: string, visitedAt: string | null) => p.db.query(
    `insert into visits (id, resident_id, due_date, status, visited_at, outcome) values ($1, $2, $3, $4, $5, $6)`,
    [`v-${++n}`, resident, due, visitedAt ? 'done' : 'planned', visitedAt, visitedAt ? 'well' : null])
  await visit(R[0], '2026-05-31', '2026-05-10T09:00:00Z')
  await visit(R[1], '2026-05-31', '2026-05-31T23:59:59Z')
  await visit(R[3], '2026-05-31', '2026-06-01T00:00:00Z')
  await visit(R[3], '2026-06-10', null) // overdue on 15 June
  await visit(R[0], '2026-06-30', null) // not yet due
  await visit(outsider, '2026-06-01', null) // overdue, other district
  return { districtId: district.id, communityId: community.id, otherDistrictId: other.id }
}

function reportSuite (name: string, start: () => Promise<TestPlatform>) {
  describe(`reports on ${name}`, () => {
    let p: TestPlatform
    let s: Seeded
    beforeAll(async () => {
      p = await start()
      await p.api.login()
      s = await seed(p)
    })
    afterAll(async () => { await p?.close() })

    it('computes incident counts, false-alarm rate, response-time percentiles and shares, breaches, devices and visits as by hand', async () => {
      const sup = await userApi(p.api, 'supervisor', s.districtId)
      const r = await sup.get(`/api/reports/summary?from=${FROM}&to=${TO}`)
      expect(r.area).toEqual({ id: s.districtId, name: '报表区' })
      expect(r.incidents).toMatchObject({ total: 10, alarms: 12, closed: 8, falseAlarms: 2, falseAlarmRate: 0.25 })
      expect(r.incidents.byType).toEqual([
        { key: 'fall', incidents: 5, alarms: 7 }, { key: 'sos', incidents: 3, alarms: 3 },
        { key: 'low_battery', incidents: 1, alarms: 1 }, { key: 'smoke', incidents: 1, alarms: 1 }])
      expect(r.incidents.byPriority).toEqual([{ key: 'P1', incidents: 8, alarms: 10 }, { key: 'P2', incidents: 1, alarms: 1 }, { key: 'P3', incidents: 1, alarms: 1 }])
      expect(r.incidents.byOutcome.find((g: { key: string | null }) => g.key === null)).toEqual({ key: null, incidents: 2, alarms: 2 })
      expect(r.incidents.byOutcome.find((g: { key: string | null }) => g.key === 'handled_by_call')).toEqual({ key: 'handled_by_call', incidents: 2, alarms: 2 })
      // Acknowledged after 10,20,30,40,50,60,90,120,200 s (one never): p50 = 50; p90 = 120 + 0.2·80; p99 = 120 + 0.92·80.
      expect(r.acknowledge.acknowledged).toBe(9)
      expect(r.acknowledge.p50Seconds).toBeCloseTo(50, 6)
      expect(r.acknowledge.p90Seconds).toBeCloseTo(136, 6)
      expect(r.acknowledge.p99Seconds).toBeCloseTo(193.6, 6)
      expect(r.acknowledge.within60s).toBeCloseTo(0.6, 9) // 6 of 10, 60 s itself counts
      expect(r.acknowledge.within180s).toBeCloseTo(0.8, 9)
      expect(r.acknowledge.targets).toEqual({ within60s: 0.975, within180s: 0.99 })
      // Distribution, upper bounds inclusive: ≤30 {10,20,30}, ≤60 {40,50,60}, ≤120 {90,120}, ≤300 {200}, one never.
      expect(r.acknowledge.distribution).toEqual({ le30s: 3, le60s: 3, le120s: 2, le180s: 0, le300s: 1, over300s: 0, unacknowledged: 1 })
      // All ten under the district's one street; six within 60 s.
      expect(r.incidents.byArea).toEqual([{ areaId: expect.any(String), name: '报表街道', incidents: 10, within60s: 0.6 }])
      // One incident on each of ten UTC days (this fixture states TIME_ZONE=UTC); the 23:59:59 one stays on 31 May.
      expect(r.incidents.byDay.map((d: { date: string }) => d.date)).toEqual(
        ['2026-05-02', '2026-05-03', '2026-05-04', '2026-05-05', '2026-05-06', '2026-05-07', '2026-05-08', '2026-05-09', '2026-05-20', '2026-05-31'])
      expect(r.incidents.byDay.map((d: { incidents: number }) => d.incidents)).toEqual(Array(10).fill(1))
      expect(r.incidents.byDay.slice(0, 6).map((d: { within60s: number }) => d.within60s)).toEqual([1, 1, 1, 1, 1, 1])
      expect(r.incidents.byDay.slice(6).map((d: { within60s: number }) => d.within60s)).toEqual([0, 0, 0, 0])
      // A community-level reader sees its own incidents under its own area.
      const op = await userApi(p.api, 'supervisor', s.communityId)
      const own = await op.get(`/api/reports/summary?from=${FROM}&to=${TO}`)
      expect(own.incidents.byArea).toEqual([{ areaId: s.communityId, name: '报表社区', incidents: 10, within60s: 0.6 }])
      // On scene after 30, 50, 70 min of three dispatched.
      expect(r.onScene).toMatchObject({ dispatched: 3, arrived: 3, p50Seconds: 3000 })
      expect(r.onScene.within45m).toBeCloseTo(1 / 3, 9)
      expect(r.onScene.within60m).toBeCloseTo(2 / 3, 9)
      expect(r.slaBreaches).toEqual({ acknowledge: 2, onScene: 2 })
      expect(r.devices).toEqual({ total: 4, online: 2, onlineShare: 0.5, lowBattery: 1, offlineOver24h: 1, residentsWithoutDataOver24h: 1 })
      expect(r.visits.coverage).toHaveLength(1)
      expect(r.visits.coverage[0]).toMatchObject({ month: '2026-05', flagged: 3, visited: 2 })
      expect(r.visits.coverage[0].rate).toBeCloseTo(2 / 3, 9)
      expect(r.visits.overdue).toBe(1)
    })

    it('exports the same figures as CSV and audits the export', async () => {
      const sup = await userApi(p.api, 'supervisor', s.districtId)
      const csv = await getRaw(sup, `/api/reports/summary.csv?from=${FROM}&to=${TO}`)
      expect(csv.status).toBe(200)
      const rows = csv.text.trim().split('\r\n').map((l) => l.split(','))
      const cell = (section: string, metric: string, key = '') => rows.find((x) => x[0] === section && x[1] === metric && x[2] === key)?.[3]
      expect(cell('incidents', 'total')).toBe('10')
      expect(cell('incidents', 'falseAlarmRate')).toBe('0.25')
      expect(Number(cell('acknowledge', 'p90Seconds'))).toBeCloseTo(136, 6)
      expect(cell('incidents', 'byType', 'fall')).toBe('5')
      expect(cell('visits', 'visited', '2026-05')).toBe('2')
      const entry = (await p.api.get(`/api/audit?action=report.export&username=${sup.username}`)).items
      expect(entry).toHaveLength(1)
      expect(entry[0]).toMatchObject({ targetType: 'area', targetId: s.districtId, data: { report: 'summary', from: FROM, to: TO, format: 'csv' } })
    })

    it('gives visit coverage per child area and month, and overdue visits per community', async () => {
      const sup = await userApi(p.api, 'supervisor', s.districtId)
      const may = await sup.get('/api/visits/coverage?month=2026-05')
      expect(may.total).toMatchObject({ flagged: 3, visited: 2 })
      expect(may.areas).toEqual([{ areaId: expect.any(String), name: '报表街道', level: 'street', flagged: 3, visited: 2, rate: 2 / 3 }])
      expect((await sup.get('/api/visits/coverage?month=2026-06')).total).toMatchObject({ flagged: 3, visited: 1 })
      const overdue = await sup.get('/api/visits/overdue')
      expect(overdue.today).toBe('2026-06-15')
      expect(overdue.byArea).toEqual([{ areaId: s.communityId, name: '报表社区', overdue: 1 }])
      expect(overdue.items.map((v: { residentName: string, dueDate: string }) => [v.residentName, v.dueDate])).toEqual([['R4', '2026-06-10']])
    })

    it('answers 404 for an area outside the caller\'s and 400 for an empty period; operators may not read reports', async () => {
      const sup = await userApi(p.api, 'supervisor', s.districtId)
      await expect(sup.get(`/api/reports/summary?areaId=${s.otherDistrictId}`)).rejects.toMatchObject({ status: 404 })
      await expect(sup.get(`/api/reports/summary?from=${TO}&to=${FROM}`)).rejects.toMatchObject({ status: 400 })
      const op = await userApi(p.api, 'operator', s.districtId)
      await expect(op.get('/api/reports/summary')).rejects.toBeInstanceOf(ApiError)
      await expect(op.get('/api/reports/summary')).rejects.toMatchObject({ status: 403 })
    })
  })
}

// The hand-computed figures use UTC calendar months (periods from …T00:00Z).
reportSuite('PGlite', () => startTestPlatform({ TIME_ZONE: 'UTC' }, { app: { now: () => NOW } }))

describeOnPostgres('reports_figures', (url) => reportSuite('PostgreSQL 15', () => startTestPlatform({ DATABASE_URL: url(), TIME_ZONE: 'UTC' }, { app: { now: () => NOW } })))
