/**
 * A change of condition brings the GB/T 42195-2022 reassessment forward (issue 16), through the
 * REST API of a real platform (PGlite; PostgreSQL too when installed). Clock fixed at 15 June 2026.
 * Each resident is assessed in the spring (due again in 2027), then:
 *   F — falls on 1 and 20 May: the repeated care-risk event rule trips on 20 May
 *   H — in hospital 1 April, home 10 May: back from hospital
 *   M — marked "condition changed" on 1 June by an operator, with the reason
 *   Q — one fall only (not repeated), and a false alarm: no change
 * The due list shows F, H and M due now with why, until a newer assessment is recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ASSESSMENT_ITEMS } from '@eldercare/protocols'
import { startTestPlatform, type TestPlatform } from '../support/platform.ts'
import { describeOnPostgres, userApi } from './registry-support.ts'

const NOW = Date.parse('2026-06-15T12:00:00.000Z')
const fullMarks = () => Object.fromEntries(ASSESSMENT_ITEMS.map((i) => [i.key, i.max]))

interface DueItem { residentId: string, dueAt: string | null, scheduledDueAt: string | null, overdue: boolean, conditionChange: { at: string, kind: string, reason: string } | null }

function suite (name: string, start: () => Promise<TestPlatform>) {
  describe(`change of condition on ${name}`, () => {
    let p: TestPlatform
    let districtId = ''
    let communityId = ''
    let homeId = ''
    const R: Record<string, string> = {}
    let n = 0
    const incident = (residentId: string, opened: string, type = 'fall', status = 'resolved') => p.db.query(
      `insert into incidents (id, type, priority, status, resident_id, site_id, area_id, alarm_count, opened_at, ack_due_at, acknowledged_at, updated_at)
       values ($1, $2, 'P1', $3, $4, $5, $6, 1, $7, $7::timestamptz + interval '60 seconds', $7::timestamptz + interval '20 seconds', $7)`,
      [`cc-inc-${++n}`, type, status, residentId, homeId, communityId, opened])
    const due = async (): Promise<DueItem[]> => (await p.api.get(`/api/assessments/due?areaId=${districtId}`)).items
    const assess = async (residentId: string, assessedAt: string) => {
      const assessor = await userApi(p.api, 'assessor', districtId)
      return assessor.post(`/api/residents/${residentId}/assessments`, { assessedAt, scores: fullMarks() })
    }

    beforeAll(async () => {
      p = await start()
      await p.api.login()
      const city = (await p.api.get('/api/areas')).items.find((a: { level: string }) => a.level === 'city')
      const district = await p.api.post('/api/areas', { name: '变化区', level: 'district', parentId: city.id })
      const street = await p.api.post('/api/areas', { name: '变化街道', level: 'street', parentId: district.id })
      const community = await p.api.post('/api/areas', { name: '变化社区', level: 'community', parentId: street.id })
      districtId = district.id
      communityId = community.id
      homeId = (await p.api.post('/api/sites', { name: '王家', kind: 'home', areaId: community.id })).id
      for (const k of ['F', 'H', 'M', 'Q']) R[k] = (await p.api.post('/api/residents', { name: `老${k}`, siteId: homeId, birthDate: '1940-01-01', flags: ['lives_alone'] })).id
      // registered before the period (the machine's clock is not the fixed one)
      await p.db.query(`update residents set created_at = '2026-01-01T00:00:00Z' where id = any($1::text[])`, [Object.values(R)])
      await assess(R.F, '2026-03-01T09:00:00Z')
      for (const k of ['H', 'M', 'Q']) await assess(R[k], '2026-02-01T09:00:00Z')
      await incident(R.F, '2026-05-01T08:00:00Z')
      await incident(R.F, '2026-05-20T08:00:00Z', 'wander')
      await incident(R.Q, '2026-05-01T08:00:00Z')
      await incident(R.Q, '2026-05-10T08:00:00Z', 'fall', 'closed_false_alarm')
      await p.api.request('PATCH', `/api/residents/${R.H}`, { status: 'in_hospital', statusSince: '2026-04-01' })
      await p.api.request('PATCH', `/api/residents/${R.H}`, { status: 'active', statusSince: '2026-05-10' })
    })
    afterAll(async () => { await p?.close() })

    it('before any mark: H (back from hospital) and F (repeated falls) are due; Q (one fall and a false alarm) and M are not', async () => {
      expect((await due()).map((i) => i.residentId)).toEqual([R.H, R.F])
    })

    it('an operator marks "condition changed" with a reason: validated, audited, and M is due from that date', async () => {
      const operator = await userApi(p.api, 'operator', districtId)
      const future = await operator.post(`/api/residents/${R.M}/condition-changes`, { reason: '中风', at: '2026-07-01T00:00:00Z' }).catch((e) => e)
      expect(future.status).toBe(400)
      expect(future.body.error.message).toContain('at is in the future')
      const blank = await operator.post(`/api/residents/${R.M}/condition-changes`, { reason: '   ' }).catch((e) => e)
      expect(blank.status).toBe(400)
      const other = await userApi(p.api, 'supervisor', (await p.api.post('/api/areas', { name: '别区', level: 'district', parentId: (await p.api.get('/api/areas')).items.find((a: { level: string }) => a.level === 'city').id })).id)
      expect((await other.post(`/api/residents/${R.M}/condition-changes`, { reason: '中风后行动不便' }).catch((e) => e)).status).toBe(404)
      const mark = await operator.post(`/api/residents/${R.M}/condition-changes`, { reason: '中风后行动不便', at: '2026-06-01T10:00:00Z' })
      expect(mark).toMatchObject({ at: '2026-06-01T10:00:00.000Z', reason: '中风后行动不便', markedBy: operator.username })
      const audit = await p.api.get('/api/audit?action=resident.condition_change')
      expect(audit.items.find((e: { targetId: string }) => e.targetId === R.M)?.data).toMatchObject({ at: '2026-06-01T10:00:00.000Z' })
    })

    it('lists F, H and M as due now with why; the due date is the change, the scheduled date stays 2027; Q is not listed', async () => {
      await incident(R.F, '2026-05-01T08:00:00Z', 'sos') // not a care-risk event: changes nothing
      const items = await due()
      expect(items.map((i) => i.residentId)).toEqual([R.H, R.F, R.M])
      const by = Object.fromEntries(items.map((i) => [i.residentId, i]))
      expect(by[R.F]).toMatchObject({
        dueAt: '2026-05-20T08:00:00.000Z', scheduledDueAt: '2027-03-01T09:00:00.000Z', overdue: false,
        conditionChange: { at: '2026-05-20T08:00:00.000Z', kind: 'repeated_care_risk_events', reason: '2 fall/wandering alarms within 30 days (latest 2026-05-20)' }
      })
      expect(by[R.H]).toMatchObject({ dueAt: '2026-05-10T00:00:00.000Z', overdue: false, conditionChange: { kind: 'back_from_hospital', reason: 'back from hospital on 2026-05-10' } })
      expect(by[R.M]).toMatchObject({ dueAt: '2026-06-01T10:00:00.000Z', scheduledDueAt: '2027-02-01T09:00:00.000Z', conditionChange: { kind: 'marked', reason: '中风后行动不便' } })
      // the population report counts them as due (not overdue)
      const pop = await p.api.get(`/api/reports/population?areaId=${districtId}&date=2026-06-15`)
      expect(pop.assessments).toMatchObject({ assessedCurrent: 4, due: 3, overdue: 0 })
      // before M was marked (31 May) only F and H were
      expect((await p.api.get(`/api/reports/population?areaId=${districtId}&date=2026-05-31`)).assessments).toMatchObject({ due: 2, overdue: 0 })
    })

    it('a new assessment after the change takes the resident off the list', async () => {
      await assess(R.M, '2026-06-10T09:00:00Z')
      await assess(R.F, '2026-06-12T09:00:00Z')
      expect((await due()).map((i) => i.residentId)).toEqual([R.H])
      await assess(R.H, '2026-06-14T09:00:00Z')
      expect(await due()).toEqual([])
    })
  })
}

suite('PGlite', () => startTestPlatform({ TIME_ZONE: 'UTC' }, { app: { now: () => NOW, statementJobMs: 0 } }))
describeOnPostgres('condition_change', (url) => suite('PostgreSQL 15', () => startTestPlatform({ DATABASE_URL: url(), TIME_ZONE: 'UTC' }, { app: { now: () => NOW, statementJobMs: 0 } })))
