/**
 * Daily check-in (报平安, issue 17) on the real embedded platform with a clock offset: an "I'm
 * OK" press over MQTT within the window confirms the day [P-3.2]; no word by the window's end
 * sends a follow-up visit task; a resident reached by a visit afterwards is `reached`; nobody
 * reached within the escalation time → a P3 incident; disabling the plan ends that day's open
 * follow-up, which then never escalates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SimDevice } from '@eldercare/device-sim'
import { isDailyCheckinPlanDto } from '@eldercare/protocols'
import { seedHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'

// The service's zone is chosen so that the local time is about noon whenever the test runs:
// the windows below then never straddle a local midnight.
const utcHour = new Date().getUTCHours()
const offsetH = 12 - utcHour
const TIME_ZONE = offsetH === 0 ? 'Etc/GMT' : `Etc/GMT${offsetH > 0 ? '-' : '+'}${Math.abs(offsetH)}`
const hhmm = (min: number) => `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`

describe('daily check-in (报平安)', () => {
  let p: TestPlatform
  let offsetMs = 0
  let homes: SeededHome[]
  const localMin = ((new Date().getUTCHours() + offsetH) * 60 + new Date().getUTCMinutes())

  beforeAll(async () => {
    p = await startTestPlatform({ TIME_ZONE }, { app: { welfareRounds: { now: () => Date.now() + offsetMs, checkinSweepMs: 3_600_000 } } })
    await p.api.login()
    homes = [await seedHome(p.api, { deviceType: 'intercom' }), await seedHome(p.api), await seedHome(p.api)]
    // the window opened an hour ago and closes in ten minutes (local time)
    for (const h of homes) {
      await p.api.request('PUT', `/api/residents/${h.residentId}/daily-checkin`, { windowStart: hhmm(localMin - 60), windowEnd: hhmm(localMin + 10), escalateAfterMin: 10 })
    }
  })

  afterAll(async () => {
    await p?.close()
  })

  it('refuses a window that ends before it starts, and a time that is not HH:MM of a day', async () => {
    await expect(p.api.request('PUT', `/api/residents/${homes[0].residentId}/daily-checkin`, { windowStart: '10:00', windowEnd: '07:00' }))
      .rejects.toMatchObject({ status: 400, body: { error: { code: 'PLT_ERR_VALIDATION' } } })
    await expect(p.api.request('PUT', `/api/residents/${homes[0].residentId}/daily-checkin`, { windowStart: '07:00', windowEnd: '25:00' }))
      .rejects.toMatchObject({ status: 400, body: { error: { code: 'PLT_ERR_VALIDATION' } } })
  })

  it('[P-3.2] a checkin in the window confirms the day; no word by its end sends a follow-up visit task', async () => {
    const d = new SimDevice({ url: p.mqttUrl, credentials: { ...homes[0].device, type: 'intercom' } })
    await d.connect()
    await d.event('checkin')
    await d.close()
    expect(await p.app.dailyCheckins.sweep()).toEqual({ confirmed: 0, followUps: 0, reached: 0, escalated: 0 }) // the window is still open
    offsetMs = 15 * 60_000
    expect(await p.app.dailyCheckins.sweep()).toEqual({ confirmed: 1, followUps: 2, reached: 0, escalated: 0 })
    const a = await p.api.get(`/api/residents/${homes[0].residentId}/daily-checkin`)
    expect(a.days[0]).toMatchObject({ status: 'confirmed', confirmedBy: 'checkin' })
    const b = await p.api.get(`/api/residents/${homes[1].residentId}/daily-checkin`)
    expect(b.days[0]).toMatchObject({ status: 'follow_up' })
    const task = await p.api.get(`/api/visits/${b.days[0].visitId}`)
    expect(task).toMatchObject({ residentId: homes[1].residentId, status: 'planned' })
    // a second sweep adds nothing
    expect(await p.app.dailyCheckins.sweep()).toEqual({ confirmed: 0, followUps: 0, reached: 0, escalated: 0 })
  })

  it('a follow-up that reached the resident closes the day; one that did not becomes a P3 incident', async () => {
    const c = await p.api.get(`/api/residents/${homes[2].residentId}/daily-checkin`)
    await p.api.post(`/api/visits/${c.days[0].visitId}/record`, { visitedAt: new Date().toISOString(), outcome: 'well', followUpNeeded: false })
    offsetMs = (15 + 11) * 60_000
    expect(await p.app.dailyCheckins.sweep()).toEqual({ confirmed: 0, followUps: 0, reached: 1, escalated: 1 })
    expect((await p.api.get(`/api/residents/${homes[2].residentId}/daily-checkin`)).days[0]).toMatchObject({ status: 'reached', confirmedBy: 'visit' })
    const b = await p.api.get(`/api/residents/${homes[1].residentId}/daily-checkin`)
    expect(b.days[0]).toMatchObject({ status: 'escalated' })
    const incident = await p.api.get(`/api/incidents/${b.days[0].incidentId}`)
    expect(incident).toMatchObject({ type: 'checkin_missed', priority: 'P3', residentId: homes[1].residentId })
  })

  it('disabling a plan ends the day\'s open follow-up (cancelled, reason recorded, visit task cancelled): it never escalates, and enabling again does not bring it back', async () => {
    const home = await seedHome(p.api)
    const url = `/api/residents/${home.residentId}/daily-checkin`
    const nowLocal = localMin + Math.floor(offsetMs / 60_000)
    // its window ended five minutes ago (service's clock); nobody checked in
    await p.api.request('PUT', url, { windowStart: hhmm(nowLocal - 60), windowEnd: hhmm(nowLocal - 5), escalateAfterMin: 30 })
    expect(await p.app.dailyCheckins.sweep()).toEqual({ confirmed: 0, followUps: 1, reached: 0, escalated: 0 })
    const open = (await p.api.get(url)).days[0]
    expect(open).toMatchObject({ status: 'follow_up', visitId: expect.any(String) })
    const disabled = await p.api.request('PUT', url, { windowStart: hhmm(nowLocal - 60), windowEnd: hhmm(nowLocal - 5), escalateAfterMin: 30, enabled: false })
    expect(disabled.days[0]).toMatchObject({ status: 'cancelled', closedReason: 'plan_disabled', incidentId: null })
    expect(await p.api.get(`/api/visits/${open.visitId}`)).toMatchObject({ status: 'cancelled' })
    // well past escalateAfterMin: a disabled plan sends nothing
    offsetMs += 40 * 60_000
    expect(await p.app.dailyCheckins.sweep()).toEqual({ confirmed: 0, followUps: 0, reached: 0, escalated: 0 })
    // enabled again the same day: the ended follow-up stays ended, no new task, no incident
    await p.api.request('PUT', url, { windowStart: hhmm(nowLocal - 60), windowEnd: hhmm(nowLocal - 5), escalateAfterMin: 30, enabled: true })
    expect(await p.app.dailyCheckins.sweep()).toEqual({ confirmed: 0, followUps: 0, reached: 0, escalated: 0 })
    const days = (await p.api.get(url)).days
    expect(days).toHaveLength(1)
    expect(days[0]).toMatchObject({ status: 'cancelled', closedReason: 'plan_disabled', incidentId: null })
    const { rows } = await p.app.db.query(`select 1 from inbox where type = 'checkin_missed' and msg_id like $1 || '/%'`, [home.residentId])
    expect(rows).toEqual([])
  })

  // last: it sweeps, which the tests above count exactly
  it('the console\'s calls: PUT and GET answer the plan as DailyCheckinPlanDto; a disabled plan sends no follow-up, an enabled one again does', async () => {
    const home = await seedHome(p.api)
    const url = `/api/residents/${home.residentId}/daily-checkin`
    await expect(p.api.get(url)).rejects.toMatchObject({ status: 404, body: { error: { code: 'PLT_ERR_NOT_FOUND' } } })
    const created = await p.api.request('PUT', url, { windowStart: hhmm(localMin - 60), windowEnd: hhmm(localMin - 30), escalateAfterMin: 120, enabled: false })
    expect(isDailyCheckinPlanDto.problem(created)).toBeNull()
    expect(created).toMatchObject({ residentId: home.residentId, enabled: false, escalateAfterMin: 120, timeZone: TIME_ZONE, updatedBy: 'admin', days: [] })
    const read = await p.api.get(url)
    expect(isDailyCheckinPlanDto.problem(read)).toBeNull()
    expect(read).toEqual(created)
    // disabled: its window has ended, yet nothing is swept for it
    const before = await p.app.dailyCheckins.sweep()
    expect((await p.api.get(url)).days).toEqual([])
    const enabled = await p.api.request('PUT', url, { windowStart: created.windowStart, windowEnd: created.windowEnd, escalateAfterMin: 120, enabled: true })
    expect(enabled.enabled).toBe(true)
    const after = await p.app.dailyCheckins.sweep()
    expect(after.followUps).toBe(before.followUps + 1)
    const day = (await p.api.get(url)).days[0]
    expect(day).toMatchObject({ status: 'follow_up', visitId: expect.any(String) })
  })
})
