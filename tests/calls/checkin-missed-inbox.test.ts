/**
 * A missed daily check-in (issue 18) takes the way of a device's alarm: an inbox row from a system
 * source (`checkin:<resident>`, one per resident and day) that the incident engine opens, after
 * whose commit the incident is announced to the console and the family told — compared here,
 * field by field, with a fall from a real device over MQTT [P-3.2][P-4.1] on the same platform.
 * Real embedded platform (aedes, PGlite), a real local webhook receiver for the family's messages.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SimDevice } from '@eldercare/device-sim'
import { eventually, nextEvent, seedHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'

// The service's zone makes the local time about noon whenever the test runs (as daily-checkin.test.ts).
const utcHour = new Date().getUTCHours()
const offsetH = 12 - utcHour
const TIME_ZONE = offsetH === 0 ? 'Etc/GMT' : `Etc/GMT${offsetH > 0 ? '-' : '+'}${Math.abs(offsetH)}`
const hhmm = (min: number) => `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`
const FAMILY = [{ name: '女儿', phone: '13900000021', relation: 'daughter', notify: true }, { name: '邻居', phone: '13900000022' }]

describe('a missed daily check-in opens its incident through the inbox and the engine', () => {
  let p: TestPlatform
  let server: Server
  const got: Array<Record<string, any>> = []
  let offsetMs = 0
  let missed: SeededHome
  let fallen: SeededHome
  const localMin = (new Date().getUTCHours() + offsetH) * 60 + new Date().getUTCMinutes()

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = ''
      req.on('data', (c) => { body += c })
      req.on('end', () => { got.push(JSON.parse(body)); res.end() })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`
    p = await startTestPlatform({ TIME_ZONE }, {
      app: {
        welfareRounds: { now: () => Date.now() + offsetMs, checkinSweepMs: 3_600_000 },
        response: { webhook: { url, secret: 'test-webhook-secret-123', backoffMs: 5 } }
      }
    })
    await p.api.login()
    missed = await seedHome(p.api, { contacts: FAMILY })
    fallen = await seedHome(p.api, { deviceType: 'fall_detector', contacts: FAMILY })
    await p.api.request('PUT', `/api/residents/${missed.residentId}/daily-checkin`, { windowStart: hhmm(localMin - 60), windowEnd: hhmm(localMin + 10), escalateAfterMin: 10 })
  })

  afterAll(async () => {
    await p?.close()
    await new Promise<void>((resolve) => server?.close(() => resolve()))
  })

  it('opens exactly one checkin_missed incident, announced and told to the family like a fall [P-3.2]', async () => {
    const socket = await p.api.connectedSocket()
    try {
      // the device's alarm, for comparison
      const fallOpened = nextEvent(socket, 'incident:opened', (i) => i.residentId === fallen.residentId, 10_000)
      const d = new SimDevice({ url: p.mqttUrl, credentials: { ...fallen.device, type: 'fall_detector' } })
      await d.connect()
      await d.event('fall')
      await d.close()
      const fall = await fallOpened

      // the window closes unconfirmed (a follow-up task), nobody reaches the resident, the follow-up escalates
      offsetMs = 15 * 60_000
      expect(await p.app.dailyCheckins.sweep()).toMatchObject({ followUps: 1, escalated: 0 })
      const missedOpened = nextEvent(socket, 'incident:opened', (i) => i.residentId === missed.residentId, 10_000)
      offsetMs = (15 + 11) * 60_000
      expect(await p.app.dailyCheckins.sweep()).toMatchObject({ escalated: 1 })
      const announced = await missedOpened
      expect(announced).toMatchObject({ type: 'checkin_missed', priority: 'P3', residentId: missed.residentId, siteId: missed.siteId, deviceId: null })

      // the engine opened it from its inbox row, and the day links to it
      const { rows: inbox } = await p.db.query<{ device_id: string, kind: string, processed_at: Date | null, incident_id: string | null }>(
        'select device_id, kind, processed_at, incident_id from inbox where device_id = $1', [`checkin:${missed.residentId}`])
      expect(inbox).toHaveLength(1)
      expect(inbox[0]).toMatchObject({ kind: 'derived', incident_id: announced.id })
      expect(inbox[0].processed_at).not.toBeNull()
      const plan = await p.api.get(`/api/residents/${missed.residentId}/daily-checkin`)
      expect(plan.days[0]).toMatchObject({ status: 'escalated', incidentId: announced.id })

      // idempotent per resident and day: the sweep again, and the same alarm written again, add nothing
      expect(await p.app.dailyCheckins.sweep()).toEqual({ confirmed: 0, followUps: 0, reached: 0, escalated: 0 })
      // a second node that swept the same day before seeing this one's update writes the same alarm: no second row, no second incident
      await p.db.query(`update daily_checkins set status = 'follow_up', incident_id = null where resident_id = $1`, [missed.residentId])
      expect(await p.app.dailyCheckins.sweep()).toMatchObject({ escalated: 1 })
      expect((await p.db.query('select seq from inbox where device_id = $1', [`checkin:${missed.residentId}`])).rows).toHaveLength(1)
      expect((await p.api.get(`/api/residents/${missed.residentId}/daily-checkin`)).days[0]).toMatchObject({ status: 'escalated', incidentId: announced.id })
      const { rows: incidents } = await p.db.query('select id from incidents where resident_id = $1', [missed.residentId])
      expect(incidents).toEqual([{ id: announced.id }])

      // the family is told as of the fall: the same message, to the consenting contact only
      await p.app.response.notifier.flush()
      await eventually(async () => got.filter((g) => g.incidentId === announced.id || g.incidentId === fall.id).length === 2, 10_000, 'both family messages')
      const toFamily = (id: string) => got.filter((g) => g.incidentId === id)
      expect(toFamily(announced.id).map((g) => [g.kind, g.to.name])).toEqual([['incident_opened', '女儿']])
      expect(toFamily(fall.id).map((g) => [g.kind, g.to.name])).toEqual([['incident_opened', '女儿']])
      expect(Object.keys(toFamily(announced.id)[0]).sort()).toEqual(Object.keys(toFamily(fall.id)[0]).sort())

      // and its SLA clock runs as any incident's
      const detail = await p.api.get(`/api/incidents/${announced.id}`)
      expect(detail.ackDueAt).toEqual(expect.any(String))
    } finally {
      socket.close()
    }
  })
})
