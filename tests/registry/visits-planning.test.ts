/**
 * Visits (探访关爱): planning one visit or a month's round for every flagged resident, recording
 * the visit, a follow-up opening a P3 incident, and the rules on who may do what.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestPlatform, type TestPlatform } from '../support/platform.ts'
import { seedDistrict, userApi, type SeededDistrict } from './registry-support.ts'

const NOW = Date.parse('2026-03-20T08:00:00.000Z')
let p: TestPlatform
let d: SeededDistrict

beforeAll(async () => {
  p = await startTestPlatform({}, { app: { now: () => NOW } })
  await p.api.login()
  d = await seedDistrict(p.api, `visit${Math.random().toString(36).slice(2, 7)}`)
})
afterAll(async () => { await p?.close() })

describe('visits', () => {
  it('plans a month\'s round for every flagged resident once, and leaves the unflagged out', async () => {
    await p.api.post('/api/residents', { name: '空巢老人', siteId: d.homeId, flags: ['empty_nest'] })
    await p.api.post('/api/residents', { name: '不需探访', siteId: d.homeId })
    await p.api.post('/api/residents', { name: '特困老人', siteId: d.institutionId, flags: ['special_difficulty'], room: '101', bed: 'A' })
    const sup = await userApi(p.api, 'supervisor', d.districtId)
    const first = await sup.post('/api/visits/plan-month', { month: '2026-03', visitorName: '社区网格员 张' })
    expect(first).toMatchObject({ month: '2026-03', dueDate: '2026-03-31', created: 3 })
    expect((await sup.post('/api/visits/plan-month', { month: '2026-03' })).created).toBe(0)
    const planned = (await sup.get(`/api/visits?status=planned&dueFrom=2026-03-01&dueTo=2026-03-31`)).items
    expect(planned.map((v: { residentName: string }) => v.residentName).sort()).toEqual([`王奶奶-${d.tag}`, '特困老人', '空巢老人'].sort())
    expect(planned[0].visitor).toEqual({ userId: null, name: '社区网格员 张', phone: null })
    await expect(sup.post('/api/visits/plan-month', { month: '2026-03', dueDate: '2026-04-02' })).rejects.toMatchObject({ status: 400 })
  })

  it('records a visit; a follow-up opens one P3 visit_follow_up incident for the resident', async () => {
    const op = await userApi(p.api, 'operator', d.communityId)
    const v = (await op.get(`/api/visits?status=planned&residentId=${d.residentId}`)).items.find((x: { dueDate: string }) => x.dueDate === '2026-03-31')
    const done = await op.post(`/api/visits/${v.id}/record`, { visitedAt: '2026-03-19T15:00:00.000Z', outcome: 'needs_help', notes: '厨房漏水，需维修', followUpNeeded: true })
    expect(done).toMatchObject({ status: 'done', outcome: 'needs_help', followUpNeeded: true, recordedBy: op.username, visitedAt: '2026-03-19T15:00:00.000Z' })
    const inc = await op.get(`/api/incidents/${done.incidentId}`)
    expect(inc).toMatchObject({ type: 'visit_follow_up', priority: 'P3', status: 'open', residentId: d.residentId, siteId: d.homeId, deviceId: null })
    expect(JSON.stringify(inc)).not.toContain('漏水') // notes stay on the visit
    await expect(op.post(`/api/visits/${v.id}/record`, { visitedAt: '2026-03-19T16:00:00.000Z', outcome: 'well', followUpNeeded: false })).rejects.toMatchObject({ status: 409 })
    await expect(op.post(`/api/visits/${d.visitId}/record`, { visitedAt: '2026-04-19T16:00:00.000Z', outcome: 'well', followUpNeeded: false })).rejects.toMatchObject({ status: 400 })
    // Coverage counts residents registered before the month ends; the database stamped them with the real date.
    await p.db.query(`update residents set created_at = '2026-01-01T00:00:00Z'`)
    const cov = await op.get(`/api/visits/coverage?areaId=${d.communityId}`)
    expect(cov).toMatchObject({ month: '2026-03', target: 1, total: { flagged: 3, visited: 1 } })
  })

  it('lists the overdue visit of January and lets a supervisor cancel it; an operator may not plan', async () => {
    const sup = await userApi(p.api, 'supervisor', d.districtId)
    const overdue = await sup.get('/api/visits/overdue')
    expect(overdue.items.map((v: { id: string }) => v.id)).toEqual([d.visitId])
    expect(overdue.byArea).toEqual([{ areaId: d.communityId, name: `社区-${d.tag}`, overdue: 1 }])
    expect((await sup.post(`/api/visits/${d.visitId}/cancel`)).status).toBe('cancelled')
    expect((await sup.get('/api/visits/overdue')).items).toEqual([])
    const op = await userApi(p.api, 'operator', d.districtId)
    await expect(op.post('/api/visits', { residentId: d.residentId, dueDate: '2026-04-30' })).rejects.toMatchObject({ status: 403 })
    const actions = (await p.api.get('/api/audit?targetType=visit&limit=50')).items.map((e: { action: string }) => e.action)
    expect(actions).toEqual(expect.arrayContaining(['visit.plan', 'visit.record', 'visit.cancel']))
  })

  it('counts a visit by the calendar of Beijing: 07:30 on 1 March is March, though UTC is still February', async () => {
    const sup = await userApi(p.api, 'supervisor', d.districtId)
    const op = await userApi(p.api, 'operator', d.communityId)
    const resident = await p.api.post('/api/residents', { name: '独居老人', siteId: d.homeId, flags: ['lives_alone'] })
    await p.db.query(`update residents set created_at = '2026-01-01T00:00:00Z'`)
    const coverage = async (month: string) => (await op.get(`/api/visits/coverage?areaId=${d.communityId}&month=${month}`)).total.visited
    const [febBefore, marBefore] = [await coverage('2026-02'), await coverage('2026-03')]
    const visit = await sup.post('/api/visits', { residentId: resident.id, dueDate: '2026-03-05' })
    await op.post(`/api/visits/${visit.id}/record`, { visitedAt: '2026-02-28T23:30:00.000Z', outcome: 'well', followUpNeeded: false })
    expect([await coverage('2026-02'), await coverage('2026-03')]).toEqual([febBefore, marBefore + 1])
  })
})
