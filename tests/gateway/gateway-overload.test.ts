/**
 * The gateway's bound on telemetry work in progress (issue 11, "in-flight cap"), over real TCP
 * against the embedded platform's aedes broker and PGlite. The readings store is made slower
 * than the devices by its writer's options (one batch a minute), so accepted readings pile up;
 * with a small bound the pile stops at the bound: telemetry beyond it is shed (not PUBACKed,
 * answered `rate_limited`, counted as `shed`) while every fall sent meanwhile is recorded and
 * PUBACKed [P-4.1].
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deviceTopic } from '@eldercare/protocols'
import { hashDeviceSecret } from '@eldercare/common'
import { seedHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'
import { RawDevice } from './raw-device.ts'

const BACKLOG = 300
const DEVICES = 40

describe('gateway under overload', () => {
  let p: TestPlatform
  let home: SeededHome
  let devices: RawDevice[] = []

  beforeAll(async () => {
    p = await startTestPlatform({}, {
      gateway: {
        // allowances lifted: what refuses telemetry here is the load bound, not [P-4.3]'s per-device one
        rateLimit: { ratePerSecond: 1e6, burst: 1e6 },
        // only the readings bound here (the in-flight, event-loop and read-queue bounds would also shed on a busy machine and blur which bound acted)
        loadLimit: { maxReadingsBacklog: BACKLOG, maxInFlight: 1e9, maxLoopDelayMs: 1e9, maxReadWaitMs: 1e9 },
        readings: { writer: { batchSize: 100_000, flushIntervalMs: 60_000 } }
      }
    })
    await p.api.login()
    home = await seedHome(p.api, { deviceType: 'wearable' })
    const devs = Array.from({ length: DEVICES }, (_, i) => ({ id: `ovl-${String(i).padStart(3, '0')}`, secret: `secret-ovl-${i}-0123456789abcdef` }))
    await p.db.query(
      `insert into devices (id, type, site_id, resident_id, secret_hash)
       select x.id, 'wearable', $2, $3, x.hash from jsonb_to_recordset($1::jsonb) as x(id text, hash text)`,
      [JSON.stringify(devs.map((d) => ({ id: d.id, hash: hashDeviceSecret(d.secret) }))), home.siteId, home.residentId])
    for (const d of devs) {
      const c = await RawDevice.connect(p.ports.mqtt, d)
      expect(c.returnCode).toBe(0)
      devices.push(c.device)
    }
  }, 60_000)
  afterAll(async () => {
    for (const d of devices) d.end()
    await p?.close()
  })

  it('[P-4.1][P-4.3] telemetry beyond the bound is shed (no PUBACK, rate_limited, counted) and the readings backlog stays bounded; every fall is recorded and PUBACKed', async () => {
    const writer = p.gateway.readings!.writer
    await Promise.all(devices.map((d) => d.subscribe(deviceTopic(d.id, 'errors'))))
    const ts = Date.now()
    const telemetry: Array<{ d: RawDevice, mid: number }> = []
    const falls: Array<{ d: RawDevice, mid: number, id: string }> = []
    let peakBacklog = 0
    // 40 devices × 50 QoS 1 readings (2,000, several times the bound), a fall from each in the middle
    for (let round = 0; round < 50; round++) {
      for (const d of devices) {
        telemetry.push({ d, mid: d.send(deviceTopic(d.id, 'telemetry'), { id: `t-${round}`, ts: ts + round, vitals: { hr: 70 } }, 1) })
        if (round === 25) falls.push({ d, id: `ovl-fall-${d.id}`, mid: d.send(deviceTopic(d.id, 'events'), { id: `ovl-fall-${d.id}`, ts, type: 'fall' }, 1) })
      }
      await new Promise((resolve) => setImmediate(resolve))
      peakBacklog = Math.max(peakBacklog, writer.stats.buffered)
    }
    // every fall PUBACKed, and only once its row is readable [P-4.1]
    await Promise.all(falls.map((f) => f.d.puback(f.mid, 30_000)))
    const { rows } = await p.db.query<{ msg_id: string }>('select msg_id from inbox where msg_id like $1', ['ovl-fall-%'])
    expect(rows.map((r) => r.msg_id).sort()).toEqual(falls.map((f) => f.id).sort())

    // the telemetry sent has all arrived (each either accepted or shed) before it is counted
    const accepted = () => p.gateway.counters.accepted.telemetry ?? 0
    const shed = () => p.gateway.counters.rejected.shed ?? 0
    const deadline = Date.now() + 20_000
    while (accepted() + shed() < telemetry.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    expect(accepted() + shed()).toBe(telemetry.length)
    peakBacklog = Math.max(peakBacklog, writer.stats.buffered)

    // bounded: the bound, plus at most what was already past the gate (in flight) when it was reached
    expect(shed()).toBeGreaterThan(0)
    expect(p.gateway.load.shed.backlog).toBe(shed())
    expect(peakBacklog).toBeLessThanOrEqual(BACKLOG + p.gateway.load.peakInFlight)
    expect(writer.stats.buffered).toBeGreaterThanOrEqual(BACKLOG) // the store really was behind
    expect(writer.stats.dropped).toBe(0) // shed at the door, nothing accepted and then lost
    // a shed message is not PUBACKed (the device may resend it); an accepted one is (PUBACKs may still be on their way)
    const acked = () => telemetry.filter((t) => t.d.pubacks.has(t.mid)).length
    while (acked() < accepted() && Date.now() < deadline + 10_000) await new Promise((resolve) => setTimeout(resolve, 50))
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(acked()).toBe(accepted())
    expect(p.gateway.load.inFlight).toBe(0)
    // told rate_limited on its errors topic, once per device in the test's few seconds (at most once per 10 s); never about a fall
    const errors = devices.flatMap((d) => d.errors())
    expect(errors.some((e) => e.code === 'rate_limited' && e.topic.endsWith('/telemetry'))).toBe(true)
    for (const d of devices) expect(d.errors().filter((e) => e.code === 'rate_limited').length).toBeLessThanOrEqual(Math.floor((Date.now() - ts) / 10_000) + 1)
    expect(errors.some((e) => e.topic.endsWith('/events'))).toBe(false)
  }, 90_000)
})
