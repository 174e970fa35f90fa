/**
 * Positions end to end on the embedded platform (issue 15), over real MQTT (device-sim SimDevice →
 * aedes over TCP) and PGlite: a GCJ-02 wearable's position stored as WGS-84 and answered by
 * GET …/position and …/track; a fall away from home carries the position, dispatch ranks by
 * distance to it, the responder page shows it with map-app links and without the access notes;
 * a fresher position moves the incident; a safe zone and a wander raise geofence_exit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SimDevice } from '@eldercare/device-sim'
import { distanceM, fromWgs84, type IncidentDetailDto, type IncidentDto, type ResidentPositionDto, type TrackDto } from '@eldercare/protocols'
import { ApiError, eventually, nextEvent, seedHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'

const HOME = { lat: 39.915, lng: 116.404 }
/** a market ~1.1 km north of home (WGS-84) */
const MARKET = { lat: 39.925, lng: 116.404 }

let p: TestPlatform
let home: SeededHome
let wearable: SimDevice

beforeAll(async () => {
  // the clock rules tick every 200 ms so the geofence grace can be a second
  p = await startTestPlatform({ POSITION_RECENT_MINUTES: '15' }, { gateway: { readings: { detection: { tickIntervalMs: 200 } } } })
  await p.api.login()
  home = await seedHome(p.api, { deviceType: 'wearable' })
  await p.api.request('PATCH', `/api/sites/${home.siteId}`, { geo: HOME })
  await p.api.request('PATCH', `/api/residents/${home.residentId}`, { accessNotes: '门口地垫下有钥匙盒' })
  wearable = new SimDevice({ url: p.mqttUrl, credentials: { ...home.device, type: 'wearable' } })
  await wearable.connect()
})
afterAll(async () => {
  await wearable?.close()
  await p?.close()
})

describe('positions, incidents and safe zones (issue 15)', () => {
  it('[P-3.1] a position sent in GCJ-02 is stored and answered in WGS-84, with its track', async () => {
    const err = await p.api.get(`/api/residents/${home.residentId}/position`).catch((e: ApiError) => e)
    expect((err as ApiError).status).toBe(404)
    const t0 = Date.now() - 120_000
    const g1 = fromWgs84(HOME, 'gcj02')
    const g2 = fromWgs84({ lat: 39.916, lng: 116.404 }, 'gcj02')
    await wearable.telemetry({ samples: [
      { ts: t0, vitals: { hr: 70 }, geo: { ...g1, acc: 12, crs: 'gcj02' } },
      { ts: t0 + 60_000, vitals: { hr: 71 }, geo: { ...g2, acc: 10, crs: 'gcj02' } }
    ] }, 1)
    const pos = await eventually(() => p.api.get<ResidentPositionDto>(`/api/residents/${home.residentId}/position`).catch(() => null), 5000, 'a position')
    expect(pos).toMatchObject({ deviceId: home.device.id, acc: 10, source: 'telemetry', at: new Date(t0 + 60_000).toISOString() })
    expect(distanceM(pos, { lat: 39.916, lng: 116.404 })).toBeLessThan(0.01)
    const track = await eventually(async () => {
      const t = await p.api.get<TrackDto>(`/api/residents/${home.residentId}/track?from=${t0 - 1000}&to=${Date.now() + 1000}`)
      return t.items.length >= 2 ? t : null
    }, 5000, 'the track')
    expect(track.items.map((i) => i.at)).toEqual([new Date(t0).toISOString(), new Date(t0 + 60_000).toISOString()])
    expect(distanceM(track.items[0]!, HOME)).toBeLessThan(0.01)
    const bad = await p.api.get(`/api/residents/${home.residentId}/track?from=tomorrow`).catch((e: ApiError) => e)
    expect((bad as ApiError).status).toBe(400)
  })

  it('a fall away from home carries the position; dispatch ranks by distance to it; the responder page links the map apps', async () => {
    expect(p.app.positions.recentMs).toBe(15 * 60_000) // POSITION_RECENT_MINUTES reaches the incidents' positions
    const near = await p.api.post('/api/responders', { name: '市场旁志愿者', kind: 'volunteer', areaId: home.districtId, phone: '13700005555', geo: { lat: 39.9255, lng: 116.4045 }, onDuty: true })
    const byHome = await p.api.post('/api/responders', { name: '社区护理员', kind: 'care_worker', areaId: home.communityId, phone: '13700006666', geo: { lat: 39.9151, lng: 116.4041 }, onDuty: true })
    const socket = p.api.socket()
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject) })
    const opened = nextEvent(socket, 'incident:opened', (i) => i.type === 'fall' && i.residentId === home.residentId, 10_000)
    await wearable.event('fall', { geo: { ...MARKET, acc: 8 } })
    const incident = await opened
    expect(incident.position).toMatchObject({ lat: MARKET.lat, lng: MARKET.lng, acc: 8, source: 'event' })
    const detail = await p.api.get<IncidentDetailDto>(`/api/incidents/${incident.id}`)
    expect(detail.timeline.find((e) => e.kind === 'position')?.data).toMatchObject({ position: { lat: MARKET.lat, lng: MARKET.lng } })

    const { items: candidates } = await p.api.get<{ items: Array<{ id: string, distanceM: number, distanceFrom: string }> }>(`/api/incidents/${incident.id}/candidates`)
    expect(candidates.map((c) => c.id).slice(0, 2)).toEqual([near.id, byHome.id])
    expect(candidates[0]).toMatchObject({ distanceFrom: 'position' })
    expect(candidates[0]!.distanceM).toBeLessThan(100)

    await p.api.post(`/api/incidents/${incident.id}/acknowledge`)
    const dispatched = await p.api.post<{ offer: { id: string } }>(`/api/incidents/${incident.id}/dispatch`, { responderId: near.id })
    // the responder on the incident carries the same distance as the candidates list, from their base to the position
    const sent = await p.api.get<IncidentDto>(`/api/incidents/${incident.id}`)
    expect(sent.responder).toMatchObject({ id: near.id, lat: 39.9255, lng: 116.4045, distanceM: candidates[0]!.distanceM, distanceFrom: 'position' })
    // the link goes only to the responder's channel (issue 13): sign the same offer's link as that channel gets it
    const link = p.app.response.dispatch.link(p.app.response.dispatch.links.sign(dispatched.offer.id, 3_600_000))
    await fetch(`${p.httpUrl}${link}/accept`, { method: 'POST', redirect: 'manual' })
    const html = await (await fetch(`${p.httpUrl}${link}`)).text()
    expect(html).toContain('当前位置')
    expect(html).toContain('https://uri.amap.com/marker?position=')
    expect(html).toContain('geo:39.925000,116.404000')
    expect(html).toContain('https://api.map.baidu.com/marker?location=') // Baidu and Apple Maps too, as the issue lists them
    expect(html).toContain('https://maps.apple.com/?ll=39.925000,116.404000')
    expect(html).not.toContain('门口地垫下有钥匙盒') // access notes are for the home

    // a fresher position while open: the incident follows it
    const updated = nextEvent(socket, 'incident:updated', (i) => i.id === incident.id && i.position?.lat === 39.927, 10_000)
    await wearable.telemetry({ ts: Date.now(), geo: { lat: 39.927, lng: 116.404, acc: 9 } }, 1)
    const moved = await updated
    expect(moved.position).toMatchObject({ lat: 39.927, source: 'telemetry' })
    // and the responder's distance is measured to where the person is now
    expect(moved.responder?.distanceM).toBe(Math.round(distanceM({ lat: 39.9255, lng: 116.4045 }, { lat: 39.927, lng: 116.404 })))
    socket.close()
    await p.api.post(`/api/incidents/${incident.id}/resolve`, { outcome: 'resolved_on_site' }).catch(() => {})
  })

  it('a safe zone (circle around the home by default) and a wander past the grace raise geofence_exit with the position', async () => {
    const zone = await p.api.request('PUT', `/api/residents/${home.residentId}/safe-zone`, { circle: { radiusM: 300 }, graceS: 1 })
    expect(zone).toMatchObject({ circle: { lat: HOME.lat, lng: HOME.lng, radiusM: 300 }, graceS: 1, schedule: null })
    expect(await p.api.get(`/api/residents/${home.residentId}/safe-zone`)).toEqual(zone)
    const bad = await p.api.request('PUT', `/api/residents/${home.residentId}/safe-zone`, { polygon: [[1, 2]] }).catch((e: ApiError) => e)
    expect((bad as ApiError).status).toBe(400)

    await wearable.telemetry({ ts: Date.now(), geo: { ...HOME, acc: 10 } }, 1)
    const socket = p.api.socket()
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject) })
    const opened = nextEvent(socket, 'incident:opened', (i) => i.type === 'geofence_exit' && i.residentId === home.residentId, 15_000)
    await wearable.telemetry({ ts: Date.now(), geo: { ...MARKET, acc: 10 } }, 1)
    const incident: IncidentDto = await opened
    expect(incident.priority).toBe('P2')
    expect(incident.position).toMatchObject({ lat: MARKET.lat, lng: MARKET.lng })

    // back inside: on the timeline, the incident stays open
    await wearable.telemetry({ ts: Date.now(), geo: { ...HOME, acc: 10 } }, 1)
    const detail = await eventually(async () => {
      const d = await p.api.get<IncidentDetailDto>(`/api/incidents/${incident.id}`)
      return d.timeline.some((e) => e.kind === 'returned_inside') ? d : null
    }, 5000, 'returned_inside on the timeline')
    expect(detail.status).toBe('open')
    socket.close()

    await p.api.request('DELETE', `/api/residents/${home.residentId}/safe-zone`)
    const gone = await p.api.get(`/api/residents/${home.residentId}/safe-zone`).catch((e: ApiError) => e)
    expect((gone as ApiError).status).toBe(404)
  })
})
