/**
 * InfluxDB taken away mid-stream: the writer never makes ingest wait, keeps what arrives meanwhile
 * within its bound (dropping the oldest, counted and logged), and delivers the rest when the
 * server is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { InfluxVitalsStore, ReadingsWriter, type ReadingPoint } from '@eldercare/readings'
import { needsInflux, startInflux, type InfluxServer } from '../support/influx.ts'
import { eventually } from '../support/platform.ts'

const influx = needsInflux()
const T0 = Date.UTC(2026, 10, 22, 8, 0, 0)
const point = (i: number): ReadingPoint => ({ ts: T0 + i * 1000, deviceId: 'w-out', residentId: 'r-out', fields: { hr: 60 + (i % 40) } })
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, k) => a + k)

describe.skipIf(!influx.ok)('readings writer against an InfluxDB that goes away', () => {
  let server: InfluxServer
  let store: InfluxVitalsStore
  let writer: ReadingsWriter
  const logs: Array<{ msg: string, level: number, [k: string]: unknown }> = []

  beforeAll(async () => {
    server = await startInflux()
    store = new InfluxVitalsStore({ url: `${server.url}/outage`, requestTimeoutMs: 2000 })
    await store.init()
    const log = pino({ level: 'info' }, { write: (line: string) => { logs.push(JSON.parse(line)) } })
    writer = new ReadingsWriter(store, log, { batchSize: 100, flushIntervalMs: 50, maxBufferedPoints: 1000, retryMinMs: 50, retryMaxMs: 400, dropLogIntervalMs: 0 })
  })
  afterAll(async () => {
    await writer?.close()
    await server?.dispose()
  })

  it('buffers while the server is down, drops only the oldest beyond the bound, and delivers the rest after restart', async () => {
    writer.enqueue(range(0, 500).map(point))
    await eventually(async () => writer.stats.written === 500, 20_000, 'first 500 points written')

    await server.stop()
    writer.enqueue(range(500, 1300).map(point))
    await eventually(async () => writer.stats.failedWrites > 0, 20_000, 'a failed write')
    expect(writer.stats.buffered).toBe(800)
    expect(writer.stats.dropped).toBe(0)

    // 500 more while down: the bound (1000) holds, the 300 oldest waiting points go
    writer.enqueue(range(1300, 1800).map(point))
    expect(writer.stats.buffered).toBe(1000)
    expect(writer.stats.dropped).toBe(300)
    expect(logs.some((l) => l.msg === 'readings buffer full: oldest readings dropped' && l.dropped === 300)).toBe(true)
    expect(logs.some((l) => l.msg === 'readings write failed; will retry')).toBe(true)

    await server.start()
    await eventually(async () => writer.stats.written === 1500 && writer.stats.buffered === 0, 90_000, 'buffered points delivered after restart')
    expect(logs.some((l) => l.msg === 'readings store reachable again')).toBe(true)

    // exactly what was kept arrived, once (one point per 1-s bucket): everything before the
    // outage, the newest 500, and 500 of the 800 that waited longest (the rest were dropped)
    const s = await store.series('r-out', T0, T0 + 1800 * 1000, 1000)
    const got = s.hr!.map((b) => (b.t - T0) / 1000)
    expect(got).toHaveLength(1500)
    expect(got.slice(0, 500)).toEqual(range(0, 500))
    expect(got.slice(-500)).toEqual(range(1300, 1800))
    expect(got.filter((i) => i >= 500 && i < 1300)).toHaveLength(500)
  }, 150_000)

  it('counts points the store refuses for good (beyond retention) and does not retry them', async () => {
    const before = { ...writer.stats }
    const ancient: ReadingPoint = { ts: Date.UTC(2000, 0, 1), deviceId: 'w-out', residentId: 'r-old', fields: { hr: 70 } }
    writer.enqueue([ancient, { ...ancient, ts: Date.now() - 60_000 }])
    await writer.flush()
    expect(writer.stats.rejected).toBe(before.rejected + 1)
    expect(writer.stats.written).toBe(before.written + 1)
    expect(writer.stats.buffered).toBe(0)
    expect(logs.some((l) => l.msg === 'readings store refused points: rejected, not retried')).toBe(true)
  })
})
