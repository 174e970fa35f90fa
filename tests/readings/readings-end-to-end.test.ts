/**
 * A wearable over real MQTT (device-sim SimDevice → aedes over TCP) on the embedded platform:
 * its readings show in the API as series and latest values, bad vitals become a NEWS2 alarm that
 * reaches the operator as an incident, and the readings figures are in /metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SimDevice } from '@eldercare/device-sim'
import type { DetectionSettingsDto, VitalsSeriesDto } from '@eldercare/protocols'
import { Api, ApiError, eventually, nextEvent, seedHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'

let p: TestPlatform
let home: SeededHome
let wearable: SimDevice

beforeAll(async () => {
  p = await startTestPlatform()
  await p.api.login()
  home = await seedHome(p.api, { deviceType: 'wearable' })
  wearable = new SimDevice({ url: p.mqttUrl, credentials: { ...home.device, type: 'wearable' } })
  await wearable.connect()
})
afterAll(async () => {
  await wearable?.close()
  await p?.close()
})

describe('a wearable\'s readings, charted and watched', () => {
  it('[P-3.1] bad vitals raise a NEWS2 alarm that reaches the operator as an incident', async () => {
    const socket = p.api.socket()
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject) })
    const opened = nextEvent(socket, 'incident:opened', (i) => i.type === 'news2' && i.residentId === home.residentId, 20_000)

    const now = Date.now()
    // ten minutes of normal readings, in one batch
    const normal = Array.from({ length: 10 }, (_, k) => ({ ts: now - (10 - k) * 60_000, vitals: { hr: 72, spo2: 97, rr: 16, sbp: 128, temp: 36.6 } }))
    await wearable.telemetry({ samples: normal }, 1)
    // then a deteriorating resident: rr 26 (3), SpO2 91 (3), sbp 95 (2), pulse 118 (2), temp 38.2 (1) = 11
    await wearable.telemetry({ ts: now, vitals: { hr: 118, spo2: 91, rr: 26, sbp: 95, temp: 38.2 } }, 1)

    const incident = await opened
    expect(incident).toMatchObject({ type: 'news2', status: 'open', deviceId: home.device.id, siteId: home.siteId, priority: 'P1' }) // NEWS2 ≥ 7: severity high → P1 (response policy)
    const { rows } = await p.db.query<{ msg_id: string, payload: any }>(`select msg_id, payload from inbox where kind = 'derived' and type = 'news2'`)
    expect(rows).toHaveLength(1)
    expect(rows[0]!.msg_id).toBe(`derived:news2:${home.residentId}:${now}`)
    expect(rows[0]!.payload).toMatchObject({ rule: 'news2', severity: 'high', score: 11, residentId: home.residentId })
    socket.close()
  })

  it('shows the readings as per-vital series at the step asked, with the latest value of each vital', async () => {
    const path = `/api/residents/${home.residentId}/vitals?from=${Date.now() - 3600_000}&to=${Date.now() + 60_000}&step=1m`
    const v = await eventually(async () => {
      const r = await p.api.get<VitalsSeriesDto>(path)
      return (r.series.hr?.length ?? 0) >= 11 ? r : null
    }, 15_000, 'readings charted')
    expect(v.stepMs).toBe(60_000)
    expect(v.series.hr!.slice(0, 10).every((b) => b.mean === 72 && b.min === 72 && b.max === 72)).toBe(true)
    expect(v.latest.hr!.value).toBe(118)
    expect(v.latest.rr!.value).toBe(26)
    expect(v.series.dbp).toBeUndefined()
    // the default chart: the last 24 h at 1-minute steps
    const day = await p.api.get<VitalsSeriesDto>(`/api/residents/${home.residentId}/vitals`)
    expect(day.to - day.from).toBe(24 * 3600_000)
    expect(day.stepMs).toBe(60_000)
  })

  it('refuses a bad range or step with a clear error', async () => {
    const bad = async (q: string) => {
      const err = await p.api.get(`/api/residents/${home.residentId}/vitals?${q}`).catch((e: ApiError) => e)
      expect(err).toBeInstanceOf(ApiError)
      expect((err as ApiError).status).toBe(400)
      return (err as ApiError).body.error
    }
    expect((await bad('step=10x')).message).toMatch(/step="10x"/)
    expect((await bad('from=yesterday')).code).toBe('PLT_ERR_VALIDATION')
    expect((await bad('from=0&to=86400000000&step=1s')).message).toMatch(/buckets/)
  })

  it('puts the readings figures in /metrics', async () => {
    const text = await (await fetch(`${p.httpUrl}/metrics`)).text()
    expect(text).toMatch(/eldercare_readings_written\{store="sql"\} ([1-9]\d*)/)
    expect(text).toMatch(/eldercare_readings_dropped\{store="sql"\} 0/)
    expect(text).toMatch(/eldercare_readings_buffer_limit\{store="sql"\} 100000/)
  })

  it('keeps a resident of another area out of sight (404) and detection settings to supervisors', async () => {
    const other = await seedHome(p.api, { deviceType: 'motion_sensor' })
    await p.api.post('/api/users', { username: 'op-other', password: 'operator-pass', role: 'operator', areaId: other.districtId })
    const op = new Api(p.httpUrl)
    await op.login('op-other', 'operator-pass')
    const err = await op.get(`/api/residents/${home.residentId}/vitals`).catch((e: ApiError) => e)
    expect((err as ApiError).status).toBe(404)
    expect((await op.get<VitalsSeriesDto>(`/api/residents/${other.residentId}/vitals`)).series).toEqual({})
    const denied = await op.get(`/api/residents/${other.residentId}/detection`).catch((e: ApiError) => e)
    expect((denied as ApiError).status).toBe(403)
  })

  it('keeps vitals from responders, even of their own area: they see only a dispatch pack', async () => {
    await p.api.post('/api/users', { username: 'resp-same', password: 'responder-pass', role: 'responder', areaId: home.districtId })
    const responder = new Api(p.httpUrl)
    await responder.login('resp-same', 'responder-pass')
    const err = await responder.get(`/api/residents/${home.residentId}/vitals`).catch((e: ApiError) => e)
    expect((err as ApiError).status).toBe(403)
  })

  it('reads and sets a resident\'s detection overrides over the defaults', async () => {
    const path = `/api/residents/${home.residentId}/detection`
    const before = await p.api.get<DetectionSettingsDto>(path)
    expect(before.overrides).toEqual({})
    expect(before.effective.hr_high).toEqual({ enabled: true, value: 120, durationMs: 120_000 })
    expect(before.effective.timeZone).toBe('Asia/Shanghai')
    const after = await p.api.request<DetectionSettingsDto>('PUT', path, { hr_high: { value: 110 }, timeZone: 'Asia/Urumqi' })
    expect(after.effective.hr_high).toEqual({ enabled: true, value: 110, durationMs: 120_000 })
    expect(after.effective.timeZone).toBe('Asia/Urumqi')
    await eventually(async () => p.gateway.readings!.detector!.settingsFor(home.residentId).hr_high.value === 110, 5000, 'gateway reloads the overrides')
    const bad = await p.api.request('PUT', path, { timeZone: 'Mars/Olympus' }).catch((e: ApiError) => e)
    expect((bad as ApiError).status).toBe(400)
    const bad2 = await p.api.request('PUT', path, { hr_high: { durationMs: -1 } }).catch((e: ApiError) => e)
    expect((bad2 as ApiError).status).toBe(400)
  })
})
