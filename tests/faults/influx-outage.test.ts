/**
 * Fault: InfluxDB stopped while a wearable keeps sending. Alarms are unaffected (PUBACKed and
 * opening their incident as usual [P-4.1]); readings wait in the writer's buffer, within its
 * bound, and are all written once InfluxDB is back [P-3.1].
 * Bounds: one private InfluxDB 1.x on loopback; one process start (≤ 60 s); 6 telemetry batches
 * of 100 samples (600 points, ~40 KiB) and 5 falls; ≤ 30 s for the buffer to drain after restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deviceTopic, type VitalsSeriesDto } from '@eldercare/protocols'
import { eventually } from '../support/platform.ts'
import { makeTempDir } from '../support/process.ts'
import { needsInflux, startInflux, type InfluxServer } from '../support/influx.ts'
import { device, fall, incidentsOf, log, nodePorts, publishAcked, seedDevices, startNode, type Device, type NodeProcess } from './support.ts'

const influxNeeded = needsInflux()
const temp = makeTempDir('faults-influx')
let influx: InfluxServer
let node: NodeProcess
let wearable: Device | undefined

beforeAll(async () => {
  if (!influxNeeded.ok) return
  influx = await startInflux()
  const influxUrl = await influx.createDatabase('faults')
  node = await startNode({ dataDir: temp.dir, influxUrl }, await nodePorts())
})
afterAll(async () => {
  await wearable?.end()
  await node?.stop()
  await influx?.dispose()
  temp.remove()
})

/** One figure of the process's /metrics (gateway/src/metrics.ts, the readings writer's). */
async function metric (name: string): Promise<number> {
  const text = await (await fetch(`${node.httpUrl}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
  if (!line) throw new Error(`/metrics has no ${name}`)
  return Number(line.split(' ').at(-1))
}

describe.skipIf(!influxNeeded.ok)('fault: InfluxDB away', () => {
  it('[P-4.1][P-3.1] alarms are PUBACKed and open incidents while InfluxDB is down; readings are buffered within the bound and written after', async () => {
    const { home, devices } = await seedDevices(node.api, 1, 'wearable')
    wearable = await device(node.mqttUrl, devices[0])
    const topic = (k: 'telemetry' | 'events') => deviceTopic(devices[0].id, k)
    const t0 = Math.floor(Date.now() / 1000) * 1000 - 30 * 60_000 // half an hour ago, one sample a second
    const batch = (k: number) => JSON.stringify({ id: `tb-${k}`, samples: Array.from({ length: 100 }, (_, i) => ({ ts: t0 + (k * 100 + i) * 1000, vitals: { hr: 60 + (i % 30) } })) })

    // InfluxDB up: the first batch is written
    expect(await publishAcked(wearable.client, topic('telemetry'), batch(0), 10_000)).toBe(true)
    await eventually(async () => (await metric('eldercare_readings_written')) >= 100, 20_000, 'first batch written')

    await influx.stop()
    log('InfluxDB stopped')
    for (let k = 1; k <= 5; k++) expect(await publishAcked(wearable.client, topic('telemetry'), batch(k), 10_000), `batch ${k} PUBACKed`).toBe(true)
    // alarms unaffected: each fall PUBACKed (durably recorded) and the resident's incident counts them all
    for (let i = 0; i < 5; i++) {
      const started = Date.now()
      expect(await publishAcked(wearable.client, topic('events'), fall(`if-${i}`), 10_000), `fall ${i} PUBACKed with InfluxDB down`).toBe(true)
      log(`fall ${i} PUBACKed in ${Date.now() - started} ms with InfluxDB down`)
    }
    await eventually(async () => (await incidentsOf(node.api, home.residentId)).reduce((n, i) => n + i.alarmCount, 0) === 5, 10_000, 'five falls counted while InfluxDB is down')
    await eventually(async () => (await metric('eldercare_readings_write_failures')) > 0, 30_000, 'a failed readings write')
    const buffered = await metric('eldercare_readings_buffered')
    const limit = await metric('eldercare_readings_buffer_limit')
    log(`readings buffered while InfluxDB is down: ${buffered} (limit ${limit})`)
    expect(buffered).toBe(500)
    expect(buffered).toBeLessThanOrEqual(limit)
    expect(await metric('eldercare_readings_dropped')).toBe(0)
    expect(wearable.closes, 'the device was never disconnected').toBe(0)

    await influx.start()
    log('InfluxDB back')
    await eventually(async () => (await metric('eldercare_readings_buffered')) === 0 && (await metric('eldercare_readings_written')) >= 600, 30_000, 'the buffer drained into InfluxDB')
    // every reading is there once: one point per one-second bucket
    const series = await node.api.get<VitalsSeriesDto>(`/api/residents/${home.residentId}/vitals?from=${t0}&to=${t0 + 600_000}&step=1s`)
    expect(series.series.hr?.length).toBe(600)
  }, 150_000)
})
