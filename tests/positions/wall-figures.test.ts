/**
 * The wall screen's figures (issue 15, `GET /api/wall`) on the embedded platform with real
 * devices over MQTT: today's alarms, open incidents, the share acknowledged within 60 s, devices
 * online, where each active incident is drawn (its position, else the home) and the latest
 * events — each counted for the caller's area only (another district's operator counts theirs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IncidentDto, WallDto } from '@eldercare/protocols'
import { SimDevice } from '@eldercare/device-sim'
import { eventually, seedHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'
import { userApi } from '../registry/registry-support.ts'

const HOME_A = { lat: 39.915, lng: 116.404 }
const MARKET = { lat: 39.921, lng: 116.411 }

describe('wall screen figures for the caller\'s area (issue 15)', () => {
  let p: TestPlatform
  let A: SeededHome
  let B: SeededHome
  const devices: SimDevice[] = []

  beforeAll(async () => {
    p = await startTestPlatform()
    await p.api.login()
    A = await seedHome(p.api, { deviceType: 'sos_button', name: 'wallA' })
    B = await seedHome(p.api, { deviceType: 'sos_button', name: 'wallB' })
    await p.api.request('PATCH', `/api/sites/${A.siteId}`, { geo: HOME_A })
  })

  afterAll(async () => {
    for (const d of devices) await d.close()
    await p?.close()
  })

  it('counts alarms, open incidents, acknowledged within 60 s and devices online per area, and places each incident', async () => {
    // a second resident at A's home, with a fall detector of their own
    const neighbour = await p.api.post('/api/residents', { name: '李爷爷-wallA', siteId: A.siteId, birthDate: '1938-05-06' })
    const fallDetector = await p.api.post('/api/devices', { type: 'fall_detector', siteId: A.siteId, residentId: neighbour.id })
    const connect = async (credentials: { id: string, secret: string }, type: 'sos_button' | 'fall_detector') => {
      const d = new SimDevice({ url: p.mqttUrl, credentials: { ...credentials, type } })
      await d.connect()
      devices.push(d)
      return d
    }
    const [a1, a2, b1] = [await connect(A.device, 'sos_button'), await connect({ id: fallDetector.id, secret: fallDetector.secret }, 'fall_detector'), await connect(B.device, 'sos_button')]
    const opA = await userApi(p.api, 'operator', A.districtId)
    const opB = await userApi(p.api, 'operator', B.districtId)

    await a1.event('sos', { geo: { ...MARKET, acc: 15 } })
    await a2.event('fall')
    await b1.event('sos')
    const activeOf = async (api: typeof opA, n: number) => eventually(async () => {
      const { items } = await api.get<{ items: IncidentDto[] }>('/api/incidents?status=active')
      return items.length === n ? items : null
    }, 10_000, `${n} active incidents`)
    const inA = await activeOf(opA, 2)
    const inB = await activeOf(opB, 1)
    const sos = inA.find((i) => i.type === 'sos')!
    const fall = inA.find((i) => i.type === 'fall')!
    await opA.post(`/api/incidents/${sos.id}/acknowledge`)

    const wallA = await eventually(async () => {
      const w = await opA.get<WallDto>('/api/wall')
      return w.devicesOnline === 2 ? w : null
    }, 10_000, 'both of A\'s devices online')
    expect(wallA).toMatchObject({ alarmsToday: 2, open: 1, breachesToday: 0, ackWithin60sShare: 0.5, devicesOnline: 2, devicesTotal: 2 })
    expect(new Map(wallA.places.map((x) => [x.incidentId, { lat: x.lat, lng: x.lng }]))).toEqual(new Map([
      [sos.id, MARKET], // where she pressed the button
      [fall.id, HOME_A] // no position: the home
    ]))
    expect(wallA.sites).toEqual([{ id: A.siteId, ...HOME_A }])
    expect(wallA.latest.length).toBeGreaterThanOrEqual(3) // two openings and an acknowledgement at least
    expect(wallA.latest.length).toBeLessThanOrEqual(10)
    expect(new Set(wallA.latest.map((e) => e.incidentId))).toEqual(new Set([sos.id, fall.id]))
    expect(wallA.latest.some((e) => e.incidentId === sos.id && e.kind === 'acknowledge')).toBe(true)

    const wallB = await eventually(async () => {
      const w = await opB.get<WallDto>('/api/wall')
      return w.devicesOnline === 1 ? w : null
    }, 10_000, 'B\'s device online')
    expect(wallB).toMatchObject({ alarmsToday: 1, open: 1, breachesToday: 0, ackWithin60sShare: 0, devicesOnline: 1, devicesTotal: 1, places: [], sites: [] })
    expect(wallB.latest.map((e) => e.incidentId)).toEqual(wallB.latest.map(() => inB[0]!.id))
  })
})
