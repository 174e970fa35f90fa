/**
 * Supervision (issue 16) through the REST API of a real platform (PGlite; PostgreSQL too when
 * installed): an assessor records a GB/T 42195-2022 assessment that sets the level (raised after
 * repeated falls from the incident record), status changes through time, the population report
 * on a seeded data set counted by hand, monthly coverage, targets, and a kept statement that
 * does not change after a later correction until it is explicitly regenerated.
 * Clock fixed at NOW (15 June 2026), time zone UTC so the hand counts read plainly.
 */
import { createServer, type Server } from 'node:http'
import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ASSESSMENT_ITEMS } from '@eldercare/protocols'
import { Api, ApiError, eventually, startTestPlatform, type TestPlatform } from '../support/platform.ts'
import { describeOnPostgres, getRaw, userApi } from './registry-support.ts'
import { generateMonthlyStatements } from '@eldercare/platform'

const NOW = Date.parse('2026-06-15T12:00:00.000Z')

function scoresWithTotal (total: number): Record<string, number> {
  const scores = Object.fromEntries(ASSESSMENT_ITEMS.map((i) => [i.key, i.max]))
  let minus = 90 - total
  for (const it of ASSESSMENT_ITEMS) { const take = Math.min(minus, it.max); scores[it.key] -= take; minus -= take }
  return scores
}

interface Seeded { districtId: string, streetId: string, communityId: string, otherDistrictId: string, R: Record<string, string>, homeId: string }

/**
 * Residents of the district (registered 1 Jan 2026), on 31 May 2026:
 *   A 1950 lives_alone, level 0 (assessed)          active        → 70-79
 *   B 1940 lives_alone + severely_handicapped, 3    active        → 80-89, disabled
 *   C 1930 empty_nest, level 2                      in hospital since 1 May → 90+, disabled
 *   D 1955 left_behind                              deceased 20 May
 *   E 1960 (no group)                               active (moves out 2 June)  → 60-69
 * plus one lives_alone resident in another district (never counted).
 */
async function seed (p: TestPlatform): Promise<Seeded> {
  const api = p.api
  const city = (await api.get('/api/areas')).items.find((a: { level: string }) => a.level === 'city')
  const district = await api.post('/api/areas', { name: '监管区', level: 'district', parentId: city.id })
  const street = await api.post('/api/areas', { name: '监管街道', level: 'street', parentId: district.id })
  const community = await api.post('/api/areas', { name: '监管社区', level: 'community', parentId: street.id })
  const other = await api.post('/api/areas', { name: '别区', level: 'district', parentId: city.id })
  const otherStreet = await api.post('/api/areas', { name: '别街道', level: 'street', parentId: other.id })
  const otherC = await api.post('/api/areas', { name: '别社区', level: 'community', parentId: otherStreet.id })
  const home = await api.post('/api/sites', { name: '张家', kind: 'home', areaId: community.id, familyBed: { type: 'nursing', provider: '康乐护理站', since: '2026-03-01' } })
  const home2 = await api.post('/api/sites', { name: '李家', kind: 'home', areaId: community.id, familyBed: { type: 'inclusive', provider: '康乐护理站', since: '2026-07-01' } })
  await api.post('/api/sites', { name: '幸福院一号', kind: 'happiness_home', areaId: community.id })
  await api.post('/api/sites', { name: '助餐点', kind: 'meal_point', areaId: community.id })
  const otherHome = await api.post('/api/sites', { name: '别家', kind: 'home', areaId: otherC.id, familyBed: { type: 'safety_net', provider: '别的站', since: '2026-01-01' } })
  const res = async (name: string, birthDate: string, flags: string[], siteId = home.id, capacityLevel?: number) =>
    (await api.post('/api/residents', { name, siteId, birthDate, flags, ...(capacityLevel !== undefined ? { capacityLevel } : {}) })).id as string
  const R = {
    A: await res('甲', '1950-01-01', ['lives_alone']),
    B: await res('乙', '1940-01-01', ['lives_alone', 'severely_handicapped'], home.id, 3),
    C: await res('丙', '1930-01-01', ['empty_nest'], home2.id, 2),
    D: await res('丁', '1955-01-01', ['left_behind']),
    E: await res('戊', '1960-01-01', []),
    X: await res('外', '1945-01-01', ['lives_alone'], otherHome.id)
  }
  await p.db.query(`update residents set created_at = '2026-01-01T00:00:00Z'`)
  await api.request('PATCH', `/api/residents/${R.C}`, { status: 'in_hospital', statusSince: '2026-05-01' })
  await api.request('PATCH', `/api/residents/${R.D}`, { status: 'deceased', statusSince: '2026-05-20' })
  await api.request('PATCH', `/api/residents/${R.E}`, { status: 'moved_out', statusSince: '2026-06-02' })
  const dev = async (residentId: string, siteId = home.id) => api.post('/api/devices', { type: 'fall_detector', siteId, residentId })
  await dev(R.A); await dev(R.B); await dev(R.X, otherHome.id)
  return { districtId: district.id, streetId: street.id, communityId: community.id, otherDistrictId: other.id, R, homeId: home.id }
}

function suite (name: string, start: () => Promise<TestPlatform>) {
  describe(`supervision on ${name}`, () => {
    let p: TestPlatform
    let s: Seeded
    let n = 0
    // Seeded history: marked announced (as every opening told to the consoles is), or the
    // late-announcement sweep would tell them now, as openings a dead node left untold.
    const fall = (residentId: string, opened: string, status = 'resolved') => p.db.query(
      `insert into incidents (id, type, priority, status, resident_id, site_id, area_id, alarm_count, opened_at, ack_due_at, acknowledged_at, updated_at, announced_at)
       values ($1, 'fall', 'P1', $2, $3, $4, $5, 1, $6, $6::timestamptz + interval '60 seconds', $6::timestamptz + interval '20 seconds', $6, now())`,
      [`sup-inc-${++n}`, status, residentId, s.homeId, s.communityId, opened])
    const visit = (residentId: string, visitedAt: string, method: string) => p.db.query(
      `insert into visits (id, resident_id, due_date, status, visited_at, outcome, method) values ($1, $2, $3, 'done', $4, 'well', $5)`,
      [`sup-v-${++n}`, residentId, visitedAt.slice(0, 10), visitedAt, method])

    beforeAll(async () => {
      p = await start()
      await p.api.login()
      s = await seed(p)
    })
    afterAll(async () => { await p?.close() })

    it('serves the GB/T 42195-2022 form to an assessor', async () => {
      const assessor = await userApi(p.api, 'assessor', s.districtId)
      const form = await assessor.get('/api/assessment-form')
      expect(form.items).toHaveLength(26)
      expect(form.indicators.map((i: { nameZh: string, max: number }) => `${i.nameZh}:${i.max}`)).toEqual(['自理能力:32', '基础运动能力:15', '精神状态:28', '感知觉与社会参与:15'])
    })

    it('an assessor records an assessment: level from the bands, raised after 2 falls in 30 days, capacityLevel follows, audited', async () => {
      const assessor = await userApi(p.api, 'assessor', s.districtId)
      // One fall 40 days before (outside the window), one false alarm (not an event), two inside.
      await fall(s.R.A, '2026-04-20T08:00:00Z')
      await fall(s.R.A, '2026-05-25T08:00:00Z', 'closed_false_alarm')
      await fall(s.R.A, '2026-05-20T08:00:00Z')
      await fall(s.R.A, '2026-06-10T08:00:00Z')
      const a = await assessor.post(`/api/residents/${s.R.A}/assessments`, { assessedAt: '2026-06-14T09:00:00Z', scores: scoresWithTotal(70) })
      expect(a).toMatchObject({ total: 70, preliminaryLevel: 1, level: 2, changes: ['repeated_care_risk_events'], careRiskEvents30d: 2, capacityLevelSet: true })
      expect(a.assessor).toMatchObject({ userId: assessor.userId, certificateNo: null })
      expect(a.reassessmentDueAt).toBe('2027-06-14T09:00:00.000Z')
      expect((await p.api.get(`/api/residents/${s.R.A}`)).capacityLevel).toBe(2)
      const list = await assessor.get(`/api/residents/${s.R.A}/assessments`)
      expect(list.items.map((x: { id: string }) => x.id)).toEqual([a.id])
      const audit = await p.api.get('/api/audit?action=assessment.record')
      expect(audit.items.some((e: { targetId: string }) => e.targetId === s.R.A)).toBe(true)
    })

    it('an external assessor is named with a certificate; an older assessment does not replace the latest level', async () => {
      const sup = await userApi(p.api, 'supervisor', s.districtId)
      const old = await sup.post(`/api/residents/${s.R.A}/assessments`, { assessedAt: '2025-06-01T09:00:00Z', assessor: { name: '王评估', certificateNo: 'CERT-88' }, scores: scoresWithTotal(90) })
      expect(old).toMatchObject({ level: 0, capacityLevelSet: false, assessor: { userId: null, name: '王评估', certificateNo: 'CERT-88' } })
      expect((await p.api.get(`/api/residents/${s.R.A}`)).capacityLevel).toBe(2)
    })

    it('refuses incomplete scores with every problem named, and other roles', async () => {
      const assessor = await userApi(p.api, 'assessor', s.districtId)
      const bad = { ...scoresWithTotal(90), eating: 9 } as Record<string, unknown>
      delete bad.memory
      const err = await assessor.post(`/api/residents/${s.R.B}/assessments`, { assessedAt: '2026-06-01T09:00:00Z', scores: bad }).catch((e) => e)
      expect(err).toBeInstanceOf(ApiError)
      expect(err.status).toBe(400)
      expect(err.body.error.message).toContain('scores.eating: must be an integer 0–4')
      expect(err.body.error.message).toContain('scores.memory: missing')
      const operator = await userApi(p.api, 'operator', s.districtId)
      const denied = await operator.post(`/api/residents/${s.R.B}/assessments`, { assessedAt: '2026-06-01T09:00:00Z', scores: scoresWithTotal(90) }).catch((e) => e)
      expect(denied.status).toBe(403)
      // a user who is not an assessor cannot be named as the assessor
      const notAssessor = await p.api.post(`/api/residents/${s.R.B}/assessments`, { assessedAt: '2026-06-01T09:00:00Z', assessor: { userId: operator.userId }, scores: scoresWithTotal(90) }).catch((e) => e)
      expect(notAssessor.status).toBe(400)
    })

    it('a manual override of the level keeps its reason and is audited', async () => {
      const sup = await userApi(p.api, 'supervisor', s.districtId)
      await sup.request('PUT', `/api/residents/${s.R.B}/capacity-level`, { level: 4, reason: '住院后卧床，等待复评' })
      const r = await p.api.get(`/api/residents/${s.R.B}`)
      expect(r).toMatchObject({ capacityLevel: 4, capacityOverrideReason: '住院后卧床，等待复评' })
      const audit = await p.api.get('/api/audit?action=resident.capacity_override')
      expect(audit.items.find((e: { targetId: string }) => e.targetId === s.R.B)?.data).toMatchObject({ from: 3, to: 4 })
      await sup.request('PUT', `/api/residents/${s.R.B}/capacity-level`, { level: 3, reason: '撤销临时调整' })
    })

    it('lists due and overdue reassessments of the subtree', async () => {
      const due = await p.api.get(`/api/assessments/due?areaId=${s.districtId}`)
      // A is assessed (due 2027); B and C are current and never assessed: overdue. D died, E is still active on 15 June? no: moved out 2 June.
      expect(due.items.map((i: { residentId: string }) => i.residentId).sort()).toEqual([s.R.B, s.R.C].sort())
      expect(due.overdue).toBe(2)
      expect(due.byArea).toEqual([{ areaId: s.communityId, due: 0, overdue: 2 }])
    })

    it('counts the population on a date as by hand, using the status on that date', async () => {
      const sup = await userApi(p.api, 'supervisor', s.districtId)
      const r = await sup.get(`/api/reports/population?areaId=${s.districtId}&date=2026-05-31`)
      expect(r.area).toEqual({ id: s.districtId, name: '监管区' })
      expect(r.total).toBe(5)
      expect(r.byStatus).toEqual({ active: 3, in_hospital: 1, moved_out: 0, deceased: 1 })
      expect(r.current).toBe(4) // A, B, C (in hospital), E
      expect(r.byGroup).toEqual({ lives_alone: 2, empty_nest: 1, left_behind: 0, disabled: 2, severely_handicapped: 1, special_difficulty: 0, family_planning_special: 0 })
      expect(r.byAgeBand).toEqual({ '60-69': 1, '70-79': 1, '80-89': 1, '90+': 1, under60: 0, unknown: 0 })
      // On 31 May A's only assessment on record is the 2025 one (level 0); B 3, C 2 by hand, E never assessed.
      expect(r.byCapacityLevel).toEqual({ 0: 1, 1: 0, 2: 1, 3: 1, 4: 0, unassessed: 1 })
      // 张家 is a family bed since March; 李家 only from July.
      expect(r.familyBeds).toMatchObject({ total: 1, byType: { nursing: 1, inclusive: 0, safety_net: 0 } })
      expect(r.facilities).toEqual({ home: 2, institution: 0, day_care: 0, service_station: 0, happiness_home: 1, meal_point: 1 })
      expect(r.devices).toMatchObject({ total: 2, residentsWithDevice: 2, perResident: 0.5 })
      // in June E has moved out
      const june = await sup.get(`/api/reports/population?areaId=${s.districtId}&date=2026-06-15`)
      expect(june.byStatus).toEqual({ active: 2, in_hospital: 1, moved_out: 1, deceased: 1 })
      expect(june.familyBeds.total).toBe(1)
    })

    it('keeps another district out of a supervisor\'s reach', async () => {
      const sup = await userApi(p.api, 'supervisor', s.districtId)
      const err = await sup.get(`/api/reports/population?areaId=${s.otherDistrictId}`).catch((e) => e)
      expect(err.status).toBe(404)
    })

    it('counts monthly visit coverage with the area\'s methods; dying mid-month unvisited is excused', async () => {
      await visit(s.R.A, '2026-05-05T10:00:00Z', 'phone')
      await visit(s.R.B, '2026-05-06T10:00:00Z', 'home')
      const sup = await userApi(p.api, 'supervisor', s.districtId)
      // eligible: A, B (lives alone), C (empty nest, in hospital all May: not due), D (died 20 May, unvisited: excused)
      const all = await sup.get(`/api/reports/visit-coverage?areaId=${s.districtId}&month=2026-05`)
      expect(all).toMatchObject({ due: 2, visited: 2, rate: 1 })
      expect(all.excused).toEqual([{ id: s.R.D, reason: 'left_unvisited' }])
      await p.api.request('PUT', `/api/areas/${s.districtId}/visit-rules`, { eligibleGroups: ['lives_alone', 'empty_nest', 'left_behind', 'disabled'], countingMethods: ['home'] })
      const homeOnly = await sup.get(`/api/reports/visit-coverage?areaId=${s.districtId}&month=2026-05`)
      expect(homeOnly).toMatchObject({ due: 2, visited: 1, rate: 0.5 })
      expect(homeOnly.missing).toEqual([{ id: s.R.A, name: '甲' }])
      await p.api.request('PUT', `/api/areas/${s.districtId}/visit-rules`, { eligibleGroups: ['lives_alone', 'empty_nest', 'left_behind', 'disabled'], countingMethods: ['home', 'phone', 'video_call'] })
    })

    it('a district that requires a home visit each quarter: in June (the quarter\'s last month) a phone call covers only a resident home-visited since April', async () => {
      const rules = { eligibleGroups: ['lives_alone', 'empty_nest', 'left_behind', 'disabled'], countingMethods: ['home', 'phone', 'video_call'] }
      // A: phoned in May and June, never at home this quarter; B: home visit 6 May, phoned in June
      await visit(s.R.A, '2026-06-03T10:00:00Z', 'phone')
      await visit(s.R.B, '2026-06-04T10:00:00Z', 'phone')
      const sup = await userApi(p.api, 'supervisor', s.districtId)
      const cov = (month: string) => sup.get(`/api/reports/visit-coverage?areaId=${s.districtId}&month=${month}`)
      try {
        expect(await cov('2026-06')).toMatchObject({ due: 2, visited: 2, missing: [] })
        const set = await p.api.request('PUT', `/api/areas/${s.districtId}/visit-rules`, { ...rules, homeVisitEachQuarter: true })
        expect(set).toMatchObject({ homeVisitEachQuarter: true, fromAreaId: s.districtId })
        // inherited by the street below
        expect(await sup.get(`/api/areas/${s.streetId}/visit-rules`)).toMatchObject({ homeVisitEachQuarter: true, fromAreaId: s.districtId })
        const june = await cov('2026-06')
        expect(june).toMatchObject({ due: 2, visited: 1, rate: 0.5, rules: { homeVisitEachQuarter: true } })
        expect(june.missing).toEqual([{ id: s.R.A, name: '甲' }])
        // May is not a quarter's last month: the phone call still covers A
        expect(await cov('2026-05')).toMatchObject({ due: 2, visited: 2 })
        // the roster says the same
        const roster = await sup.get(`/api/reports/roster?areaId=${s.districtId}&groups=lives_alone&month=2026-06`)
        expect(Object.fromEntries(roster.items.map((i: { id: string, visited: boolean }) => [i.id, i.visited]))).toMatchObject({ [s.R.A]: false, [s.R.B]: true })
        expect(roster.rules.homeVisitEachQuarter).toBe(true)
      } finally {
        await p.api.request('PUT', `/api/areas/${s.districtId}/visit-rules`, rules)
        await p.db.query(`delete from visits where visited_at >= '2026-06-03' and visited_at < '2026-06-05' and resident_id = any($1::text[])`, [[s.R.A, s.R.B]])
      }
    })

    it('an area\'s own visit rule is removed to inherit again: guarded, audited with before and after, idempotent', async () => {
      // the quarterly home-visit switch is inherited like the rest
      const district = { eligibleGroups: ['lives_alone', 'empty_nest'], countingMethods: ['home', 'phone'], disabledFromLevel: 2, homeVisitEachQuarter: true }
      const own = { eligibleGroups: ['lives_alone'], countingMethods: ['home'], disabledFromLevel: 3, homeVisitEachQuarter: false }
      const before = await p.api.get(`/api/areas/${s.districtId}/visit-rules`)
      await p.api.request('PUT', `/api/areas/${s.districtId}/visit-rules`, district)
      const set = await p.api.request('PUT', `/api/areas/${s.communityId}/visit-rules`, own)
      expect(set).toEqual({ ...own, fromAreaId: s.communityId })
      const putAudit = (await p.api.get('/api/audit?action=area.visit_rules')).items
        .find((e: { action: string, targetId: string }) => e.action === 'area.visit_rules' && e.targetId === s.communityId)
      expect(putAudit.data).toMatchObject({ before: { ...district, fromAreaId: s.districtId }, after: { ...own, fromAreaId: s.communityId } })

      const sup = await userApi(p.api, 'supervisor', s.districtId)
      const denied = await sup.request('DELETE', `/api/areas/${s.communityId}/visit-rules`).catch((e) => e)
      expect(denied.status).toBe(403)
      expect((await sup.get(`/api/areas/${s.communityId}/visit-rules`)).fromAreaId).toBe(s.communityId)

      const removed = await p.api.request('DELETE', `/api/areas/${s.communityId}/visit-rules`)
      expect(removed).toEqual({ ...district, fromAreaId: s.districtId })
      expect(await sup.get(`/api/areas/${s.communityId}/visit-rules`)).toEqual({ ...district, fromAreaId: s.districtId })
      const removals = async () => (await p.api.get('/api/audit?action=area.visit_rules_removed')).items
        .filter((e: { action: string, targetId: string }) => e.action === 'area.visit_rules_removed' && e.targetId === s.communityId)
      const first = await removals()
      expect(first).toHaveLength(1)
      expect(first[0].data).toEqual({ before: { ...own, fromAreaId: s.communityId }, after: { ...district, fromAreaId: s.districtId } })

      // Again: the same answer, nothing removed, nothing more in the audit log.
      expect(await p.api.request('DELETE', `/api/areas/${s.communityId}/visit-rules`)).toEqual({ ...district, fromAreaId: s.districtId })
      expect(await removals()).toHaveLength(1)
      // Another district's area is unknown to a district administrator (404, never 403).
      const admin = await userApi(p.api, 'admin', s.districtId)
      expect((await admin.request('DELETE', `/api/areas/${s.otherDistrictId}/visit-rules`).catch((e) => e)).status).toBe(404)
      // The district's rule back as it was for the tests that follow.
      const { fromAreaId: _from, ...restore } = before
      await p.api.request('PUT', `/api/areas/${s.districtId}/visit-rules`, restore)
    })

    it('lists the targets of a year over the caller\'s whole subtree in tree order, or down to the children', async () => {
      await p.api.request('PUT', `/api/areas/${s.districtId}/targets/2027`, { familyBeds: 30, visitCoverage: 1, assessmentCoverage: null, ackWithin60s: 0.975 })
      await p.api.request('PUT', `/api/areas/${s.communityId}/targets/2027`, { familyBeds: 5, visitCoverage: 0.5, assessmentCoverage: 0.75, ackWithin60s: null })
      const sup = await userApi(p.api, 'supervisor', s.districtId)
      const none = { familyBeds: null, visitCoverage: null, assessmentCoverage: null, ackWithin60s: null }
      const tree = await sup.get('/api/targets?year=2027&depth=subtree')
      expect(tree.area).toEqual({ id: s.districtId, name: '监管区' })
      expect(tree.items).toEqual([
        { areaId: s.districtId, parentId: expect.any(String), name: '监管区', level: 'district', depth: 0, targets: { year: 2027, familyBeds: 30, visitCoverage: 1, assessmentCoverage: null, ackWithin60s: 0.975 } },
        { areaId: s.streetId, parentId: s.districtId, name: '监管街道', level: 'street', depth: 1, targets: { year: 2027, ...none } },
        { areaId: s.communityId, parentId: s.streetId, name: '监管社区', level: 'community', depth: 2, targets: { year: 2027, familyBeds: 5, visitCoverage: 0.5, assessmentCoverage: 0.75, ackWithin60s: null } }
      ])
      expect((await sup.get(`/api/targets?areaId=${s.districtId}&year=2027`)).items).toEqual(tree.items)
      const children = await sup.get(`/api/targets?areaId=${s.districtId}&year=2027&depth=children`)
      expect(children.items.map((i: { areaId: string }) => i.areaId)).toEqual([s.districtId, s.streetId])
      // another year: the same tree, nothing set
      expect((await sup.get(`/api/targets?areaId=${s.streetId}&year=2030`)).items.map((i: { targets: object }) => i.targets)).toEqual([{ year: 2030, ...none }, { year: 2030, ...none }])
      expect((await sup.get(`/api/targets?areaId=${s.otherDistrictId}&year=2027`).catch((e) => e)).status).toBe(404)
      const bad = await sup.get(`/api/targets?areaId=${s.districtId}`).catch((e) => e)
      expect(bad.status).toBe(400)
      expect((await sup.get(`/api/targets?year=2027&depth=all`).catch((e) => e)).status).toBe(400)
    })

    it('sets targets (administrators only) and reports actual against them in JSON and CSV', async () => {
      const sup = await userApi(p.api, 'supervisor', s.districtId)
      const denied = await sup.request('PUT', `/api/areas/${s.districtId}/targets/2026`, { familyBeds: 3, visitCoverage: 1, assessmentCoverage: 0.9, ackWithin60s: 0.975 }).catch((e) => e)
      expect(denied.status).toBe(403)
      await p.api.request('PUT', `/api/areas/${s.districtId}/targets/2026`, { familyBeds: 3, visitCoverage: 1, assessmentCoverage: 0.9, ackWithin60s: 0.975 })
      const r = await sup.get(`/api/reports/population?areaId=${s.districtId}&date=2026-05-31`)
      expect(r.targets).toEqual({ year: 2026, familyBeds: 3, visitCoverage: 1, assessmentCoverage: 0.9, ackWithin60s: 0.975 })
      const csv = await getRaw(sup, `/api/reports/population.csv?areaId=${s.districtId}&date=2026-05-31`)
      expect(csv.status).toBe(200)
      expect(csv.text.split('\r\n')).toContain('family_beds,total,,1,3')
      expect(csv.text.split('\r\n')).toContain('population,group,disabled,2,')
    })

    it('keeps a month\'s statement as generated; a correction changes it only by an explicit, audited regeneration', async () => {
      const sup = await userApi(p.api, 'supervisor', s.districtId)
      const first = await sup.post('/api/statements', { areaId: s.districtId, month: '2026-05' })
      expect(first).toMatchObject({ month: '2026-05', version: 1 })
      expect(first.content.population.byGroup.lives_alone).toBe(2)
      expect(first.content.coverage).toMatchObject({ due: 2, visited: 2 })
      // a later correction: A was in fact empty-nest, not living alone
      await p.api.request('PATCH', `/api/residents/${s.R.A}`, { flags: ['empty_nest'] })
      const kept = await sup.get(`/api/statements/${first.id}`)
      expect(kept.content).toEqual(first.content)
      const again = await sup.post('/api/statements', { areaId: s.districtId, month: '2026-05' }).catch((e) => e)
      expect(again.status).toBe(400)
      expect(again.body.error.message).toContain('needs a reason')
      const v2 = await sup.post('/api/statements', { areaId: s.districtId, month: '2026-05', reason: '甲的人群类别更正' })
      expect(v2.version).toBe(2)
      expect(v2.content.population.byGroup).toMatchObject({ lives_alone: 1, empty_nest: 2 })
      expect((await sup.get(`/api/statements/${first.id}`)).content.population.byGroup.lives_alone).toBe(2)
      const list = await sup.get(`/api/statements?areaId=${s.districtId}`)
      expect(list.items.map((i: { version: number }) => i.version)).toEqual([2, 1])
      // one month only (the console's month filter), and a month that is not one is refused
      const may = await sup.get(`/api/statements?areaId=${s.districtId}&month=2026-05`)
      expect(may.items.map((i: { month: string, version: number }) => `${i.month} v${i.version}`)).toEqual(['2026-05 v2', '2026-05 v1'])
      expect((await sup.get(`/api/statements?areaId=${s.districtId}&month=2026-04`)).items).toEqual([])
      expect((await sup.get(`/api/statements?areaId=${s.districtId}&month=2026-13`).catch((e) => e)).status).toBe(400)
      const audit = await p.api.get('/api/audit?action=statement.regenerate')
      expect(audit.items[0].data).toMatchObject({ month: '2026-05', version: 2, reason: '甲的人群类别更正' })
      const csv = await getRaw(sup, `/api/statements/${first.id}/csv`)
      expect(csv.text.split('\r\n')).toContain('population,group,lives_alone,2,')
      const pdf = await fetch(`${sup.baseUrl}/api/statements/${first.id}/pdf`, { headers: { authorization: `Bearer ${sup.token}` } })
      expect(pdf.headers.get('content-type')).toBe('application/pdf')
      expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-')
    })

    it('records a visit\'s method, and offers the status its outcome points to without applying it', async () => {
      const planned = await p.api.post('/api/visits', { residentId: s.R.B, dueDate: '2026-06-30' })
      const done = await p.api.post(`/api/visits/${planned.id}/record`, { visitedAt: '2026-06-14T10:00:00Z', outcome: 'hospitalised', followUpNeeded: false, method: 'video_call' })
      expect(done).toMatchObject({ method: 'video_call', suggestedStatus: { status: 'in_hospital', statusSince: '2026-06-14T10:00:00.000Z' } })
      expect((await p.api.get(`/api/residents/${s.R.B}`)).status).toBe('active')
      const bad = await p.api.post(`/api/visits/${planned.id}/record`, { visitedAt: '2026-06-14T10:00:00Z', outcome: 'well', followUpNeeded: false, method: 'letter' }).catch((e) => e)
      expect(bad.status).toBe(400)
    })

    it('an incident resolved as deceased offers the status change', async () => {
      await fall(s.R.B, '2026-06-15T11:00:00Z', 'acknowledged')
      const id = `sup-inc-${n}`
      const r = await p.api.post(`/api/incidents/${id}/resolve`, { outcome: 'deceased' })
      expect(r.suggestedStatus).toMatchObject({ residentId: s.R.B, status: 'deceased' })
      expect((await p.api.get(`/api/residents/${s.R.B}`)).status).toBe('active')
    })

    it('confirming the offered deceased status records it once: one history row, one audit entry, even sent twice at once', async () => {
      const id = (await p.api.post('/api/residents', { name: '己', siteId: s.homeId, birthDate: '1938-03-04' })).id as string
      await fall(id, '2026-06-15T11:10:00Z', 'acknowledged')
      const r = await p.api.post(`/api/incidents/sup-inc-${n}/resolve`, { outcome: 'deceased' })
      const offer = r.suggestedStatus as { residentId: string, status: string, statusSince: string }
      expect(offer).toMatchObject({ residentId: id, status: 'deceased' })
      const day = offer.statusSince.slice(0, 10)
      const confirm = () => p.api.request('PUT', `/api/residents/${id}/status`, { status: 'deceased', statusSince: day, reason: '接警结果：已故' })
      const answers = await Promise.all([confirm(), confirm()])
      expect(answers.map((a: { recorded: boolean }) => a.recorded).sort()).toEqual([false, true])
      expect((await confirm()).recorded).toBe(false)
      const history = await p.api.get(`/api/residents/${id}/status-history`)
      expect(history.status).toBe('deceased')
      expect(history.items.filter((h: { status: string }) => h.status === 'deceased')).toEqual([expect.objectContaining({ since: `${day}T00:00:00.000Z`, reason: '接警结果：已故' })])
      const audit = await p.api.get('/api/audit?action=resident.status')
      expect(audit.items.filter((e: { targetId: string }) => e.targetId === id)).toHaveLength(1)
      // a corrected date is a new change, kept and audited
      expect((await p.api.request('PUT', `/api/residents/${id}/status`, { status: 'deceased', statusSince: '2026-06-14' })).recorded).toBe(true)
      expect((await p.api.get('/api/audit?action=resident.status')).items.filter((e: { targetId: string }) => e.targetId === id)).toHaveLength(2)
    })

    it('an integration account reads only its subtree\'s statistics, and receives its incidents signed and masked', async () => {
      const received: Array<{ body: string, sig: string, ts: string }> = []
      const hook: Server = createServer((req, res) => {
        let body = ''
        req.on('data', (c) => { body += c })
        req.on('end', () => { received.push({ body, sig: String(req.headers['x-eldercare-signature']), ts: String(req.headers['x-eldercare-timestamp']) }); res.end('ok') })
      })
      await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve))
      try {
        const port = (hook.address() as { port: number }).port
        const secret = 'upper-platform-secret-123'
        const acc = await p.api.post('/api/integrations', { name: '南阳市平台', username: `city-feed-${Math.random().toString(36).slice(2, 8)}`, areaId: s.districtId, webhookUrl: `http://127.0.0.1:${port}/in`, webhookSecret: secret })
        expect(acc.token).toMatch(/.{20,}/)
        const upper = new Api(p.api.baseUrl)
        upper.token = acc.token
        expect((await upper.get(`/api/reports/population?areaId=${s.districtId}&date=2026-05-31`)).total).toBe(5)
        expect((await upper.get(`/api/reports/population?areaId=${s.otherDistrictId}`).catch((e) => e)).status).toBe(404)
        expect((await upper.get('/api/residents').catch((e) => e)).status).toBe(403)
        expect((await upper.get(`/api/residents/${s.R.A}/assessments`).catch((e) => e)).status).toBe(403)
        // the roster names residents and their assessors: not for an upper platform
        expect((await upper.get('/api/reports/roster?groups=lives_alone').catch((e) => e)).status).toBe(403)
        // its subtree's areas (ids to ask the reports for) come with the targets tree: no registry read needed
        const tree = await upper.get('/api/targets?year=2026')
        expect(tree.items.map((i: { areaId: string }) => i.areaId)).toEqual([s.districtId, s.streetId, s.communityId])
        expect(Object.keys(tree.items[0]).sort()).toEqual(['areaId', 'depth', 'level', 'name', 'parentId', 'targets'])
        expect((await upper.post('/api/statements', { areaId: s.districtId, month: '2026-04' }).catch((e) => e)).status).toBe(403)
        const statements = await upper.get(`/api/statements?areaId=${s.districtId}`)
        expect(statements.items.length).toBeGreaterThan(0)
        // coverage lists who is still to visit: names masked for an upper platform
        const cov = await upper.get(`/api/reports/visit-coverage?areaId=${s.districtId}&month=2026-06`)
        expect(cov.missing.length).toBeGreaterThan(0)
        for (const m of cov.missing) expect(m.name).toMatch(/^[^*]?\*+$/) // 甲 → *, 张三 → 张*
        // an incident in its subtree arrives, one elsewhere does not
        await fall(s.R.A, '2026-06-15T11:30:00Z', 'open')
        const mine = `sup-inc-${n}`
        await p.db.query(`insert into incidents (id, type, priority, status, resident_id, site_id, area_id, alarm_count, opened_at, ack_due_at, updated_at)
          select 'sup-other', 'sos', 'P1', 'open', $1, r.site_id, s.area_id, 1, now(), now(), now() from residents r join sites s on s.id = r.site_id where r.id = $1`, [s.R.X])
        await p.api.post(`/api/incidents/${mine}/acknowledge`, {})
        await p.api.post('/api/incidents/sup-other/acknowledge', {})
        const acked = () => received.find((r) => JSON.parse(r.body).incident.status === 'acknowledged')
        await eventually(async () => acked(), 5000, 'webhook delivery')
        await new Promise((r) => setTimeout(r, 300))
        // The SLA clock may announce the overdue incident too: every delivery is of this subtree's incident, never the other's.
        expect(new Set(received.map((r) => JSON.parse(r.body).incident.id))).toEqual(new Set([mine]))
        const got = acked()!
        expect(got.sig).toBe('sha256=' + createHmac('sha256', secret).update(`${got.ts}.${got.body}`).digest('hex'))
        const payload = JSON.parse(got.body)
        expect(payload.incident).toMatchObject({ id: mine, status: 'acknowledged', residentName: '*' }) // 甲, masked
        expect(Object.keys(payload.incident).sort()).toEqual(['ackBreached', 'acknowledgedAt', 'alarmCount', 'areaId', 'areaName', 'id', 'openedAt', 'outcome', 'priority', 'residentId', 'residentName', 'resolvedAt', 'status', 'type', 'updatedAt'])
        expect(got.body).not.toMatch(/甲|phone|idNumber|keySafe|address|siteName/)
      } finally {
        await new Promise((resolve) => hook.close(resolve))
      }
    })

    it('the monthly job generates the past month\'s statement where none exists, and leaves kept ones alone', async () => {
      const before = await p.api.get(`/api/statements?areaId=${s.districtId}`)
      const made = await generateMonthlyStatements(p.app, NOW, 'UTC')
      expect(made).toBeGreaterThan(0)
      const after = await p.api.get(`/api/statements?areaId=${s.districtId}`)
      const mine = (list: { items: Array<{ areaId: string, month: string, version: number }> }) => list.items.filter((i) => i.areaId === s.districtId && i.month === '2026-05').map((i) => i.version)
      expect(mine(after)).toEqual(mine(before))
      const community = after.items.find((i: { areaId: string, month: string }) => i.areaId === s.communityId && i.month === '2026-05')
      expect(community).toMatchObject({ version: 1, generatedBy: 'system' })
      expect(await generateMonthlyStatements(p.app, NOW, 'UTC')).toBe(0)
    })

    it('plans next visits only for residents at home: none in hospital, moved out or deceased', async () => {
      const sup = await userApi(p.api, 'supervisor', s.districtId)
      const r = await sup.post('/api/visits/plan-month', { month: '2026-06', areaId: s.districtId })
      // A (flagged, at home) only: B was visited in June, C is in hospital, D died, E moved out and has no group.
      expect(r.created).toBe(1)
      const planned = await sup.get(`/api/visits?status=planned&areaId=${s.districtId}`)
      expect(planned.items.map((v: { residentId: string }) => v.residentId)).toEqual([s.R.A])
    })

    it('pauses visits: a planned visit past due counts as overdue only for a resident at home, not in hospital, moved out or deceased', async () => {
      for (const r of [s.R.A, s.R.C, s.R.D, s.R.E]) {
        await p.db.query(`insert into visits (id, resident_id, due_date, status) values ($1, $2, '2026-06-01', 'planned')`, [`sup-od-${++n}`, r])
      }
      const sup = await userApi(p.api, 'supervisor', s.districtId)
      const od = await sup.get(`/api/visits/overdue?areaId=${s.districtId}`)
      // C is in hospital, D deceased, E moved out: only A's is overdue
      expect(od.items.filter((v: { dueDate: string }) => v.dueDate === '2026-06-01').map((v: { residentId: string }) => v.residentId)).toEqual([s.R.A])
      expect(od.byArea).toEqual([{ areaId: s.communityId, name: '监管社区', overdue: od.items.length }])
      const summary = await sup.get(`/api/reports/summary?areaId=${s.districtId}`)
      expect(summary.visits.overdue).toBe(od.items.length)
    })

    it('answers "how many disabled elders live alone here, with a family bed, visited this month, assessed by whom and when" in one roster', async () => {
      const sup = await userApi(p.api, 'supervisor', s.districtId)
      // 31 May: A was level 0 then (assessed 2025; the level-2 assessment is of 14 June), B level 3 never assessed.
      const may = await sup.get(`/api/reports/roster?areaId=${s.districtId}&groups=disabled,lives_alone&month=2026-05`)
      expect(may).toMatchObject({ area: { id: s.districtId, name: '监管区' }, month: '2026-05', date: '2026-05-31', groups: ['disabled', 'lives_alone'], count: 1, withFamilyBed: 1, visited: 1 })
      expect(may.items).toEqual([{
        id: s.R.B, name: '乙', areaId: s.communityId, areaName: '监管社区', familyBed: { type: 'nursing', provider: '康乐护理站' }, lastAssessment: null,
        groups: ['lives_alone', 'severely_handicapped', 'disabled'], capacityLevel: 3, status: 'active', visited: true, lastVisitAt: '2026-05-06T10:00:00.000Z'
      }])
      // 15 June (the current month, the caller's own area): A's assessment of 14 June made A disabled (A is empty-nest
      // since the correction above); B and C by their registered levels. The assessor and the date are there.
      const june = await sup.get('/api/reports/roster?groups=disabled')
      expect(june).toMatchObject({ month: '2026-06', date: '2026-06-15', count: 3 })
      expect(june.items.map((i: { id: string }) => i.id).sort()).toEqual([s.R.A, s.R.B, s.R.C].sort())
      const a = june.items.find((i: { id: string }) => i.id === s.R.A)
      expect(a.lastAssessment).toMatchObject({ assessedAt: '2026-06-14T09:00:00.000Z', level: 2, certificateNo: null, assessorName: expect.any(String) })
      expect(a.familyBed).toEqual({ type: 'nursing', provider: '康乐护理站' })
      expect(june.withFamilyBed).toBe(2) // A and B share 张家's bed; C's home has one only from July
      // C in hospital is still listed (the status says so), C's home has a bed only from July; A is empty-nest now
      // (groups are the resident's flags as they stand) and was visited by phone on 5 May, a method that counts.
      const emptyNest = await sup.get(`/api/reports/roster?areaId=${s.streetId}&groups=empty_nest&month=2026-05`)
      const byId = (x: unknown[], y: unknown[]) => String(x[0]).localeCompare(String(y[0]))
      expect(emptyNest.items.map((i: { id: string, status: string, familyBed: unknown, visited: boolean }) => [i.id, i.status, i.familyBed, i.visited]).sort(byId))
        .toEqual([[s.R.C, 'in_hospital', null, false], [s.R.A, 'active', { type: 'nursing', provider: '康乐护理站' }, true]].sort(byId))
      // died on 20 May: not on the roster of May
      expect((await sup.get(`/api/reports/roster?groups=left_behind&month=2026-05`)).count).toBe(0)
      const unknown = await sup.get('/api/reports/roster?groups=lives_alone,alone').catch((e) => e)
      expect(unknown.status).toBe(400)
      expect(unknown.body.error.message).toContain('unknown alone')
      expect((await sup.get('/api/reports/roster?groups=lives_alone&month=2026-07').catch((e) => e)).status).toBe(400)
      expect((await sup.get(`/api/reports/roster?areaId=${s.otherDistrictId}&groups=lives_alone`).catch((e) => e)).status).toBe(404)
    })

    it('refuses a statement of the current month', async () => {
      const err = await p.api.post('/api/statements', { areaId: s.districtId, month: '2026-06' }).catch((e) => e)
      expect(err.status).toBe(400)
    })
  })
}

suite('PGlite', () => startTestPlatform({ TIME_ZONE: 'UTC' }, { app: { now: () => NOW, statementJobMs: 0 } }))
describeOnPostgres('supervision', (url) => suite('PostgreSQL 15', () => startTestPlatform({ DATABASE_URL: url(), TIME_ZONE: 'UTC' }, { app: { now: () => NOW, statementJobMs: 0 } })))
