/**
 * `npm run bench:readings` — how fast readings go into each VitalsStore through the real
 * ReadingsWriter, and how long a 24-hour chart at 1-minute steps takes to query. Prints the
 * figures side by side; asserts nothing (speed is measured, not tested).
 *
 * A point is one sample of one device with six vital-sign fields (hr, spo2, rr, sbp, dbp, temp).
 * Options (env): BENCH_POINTS (default 200000), BENCH_BATCH (default 5000).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { InfluxVitalsStore, ReadingsWriter, SqlVitalsStore, type ReadingPoint, type VitalsStore } from '@eldercare/readings'
import { migrate, openDb } from '@eldercare/platform'
import { needsInflux, startInflux } from '../support/influx.ts'
import { needsPostgres, startPostgres } from '../support/postgres.ts'

const POINTS = Number(process.env.BENCH_POINTS ?? 200_000)
const BATCH = Number(process.env.BENCH_BATCH ?? 5000)
const RESIDENTS = 100
const DAY_MS = 24 * 3600_000
const end = Date.now() - 60_000
const start = end - DAY_MS

/** A day of one resident's readings every 5 s (17280 points), then the load spread over other residents. */
function makePoints (): ReadingPoint[] {
  const pts: ReadingPoint[] = []
  for (let t = start; t < end && pts.length < POINTS; t += 5000) {
    pts.push({ ts: t, deviceId: 'w-chart', residentId: 'r-chart', fields: vitals(pts.length) })
  }
  for (let i = pts.length; i < POINTS; i++) {
    const r = i % RESIDENTS
    pts.push({ ts: start + Math.floor(i / RESIDENTS) * 1000 % DAY_MS, deviceId: `w-${r}`, residentId: `r-${r}`, fields: vitals(i) })
  }
  return pts
}
function vitals (i: number): ReadingPoint['fields'] {
  return { hr: 60 + (i % 30), spo2: 94 + (i % 6), rr: 12 + (i % 8), sbp: 110 + (i % 30), dbp: 70 + (i % 15), temp: 36 + (i % 10) / 10 }
}

interface Row { store: string, batch: number, points: number, seconds: number, perSec: number, chartMs: number, buckets: number }

async function bench (name: string, store: VitalsStore, points: ReadingPoint[]): Promise<Row> {
  await store.init()
  const writer = new ReadingsWriter(store, pino({ level: 'warn' }), { batchSize: BATCH, flushIntervalMs: 10, maxBufferedPoints: points.length })
  const t0 = performance.now()
  writer.enqueue(points)
  await writer.flush()
  const seconds = (performance.now() - t0) / 1000
  if (writer.stats.written !== points.length) throw new Error(`${name}: wrote ${writer.stats.written} of ${points.length} (${JSON.stringify(writer.stats)})`)
  // a 24-h chart at 1-minute steps plus the latest values, as the vitals route does; median of 5
  const times: number[] = []
  let buckets = 0
  for (let i = 0; i < 5; i++) {
    const q0 = performance.now()
    const [series] = await Promise.all([store.series('r-chart', end - DAY_MS, end, 60_000), store.latest('r-chart', end)])
    times.push(performance.now() - q0)
    buckets = series.hr?.length ?? 0
  }
  times.sort((a, b) => a - b)
  await writer.close()
  return { store: name, batch: BATCH, points: points.length, seconds, perSec: points.length / seconds, chartMs: times[2]!, buckets }
}

const points = makePoints()
const rows: Row[] = []
const cleanups: Array<() => Promise<void> | void> = []
try {
  const dir = mkdtempSync(join(tmpdir(), 'bench-pglite-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const lite = await openDb({ dataDir: dir })
  cleanups.push(() => lite.close())
  await migrate(lite)
  rows.push(await bench('embedded (PGlite, on disk)', new SqlVitalsStore(lite), points))

  if (needsPostgres().ok) {
    const server = await startPostgres()
    cleanups.push(() => server.stop())
    const db = await openDb({ databaseUrl: await server.createDatabase('bench_readings') })
    cleanups.push(() => db.close())
    await migrate(db)
    rows.push(await bench('relational (PostgreSQL 15)', new SqlVitalsStore(db), points))
  } else console.log('PostgreSQL not installed: skipped')

  if (needsInflux().ok) {
    const server = await startInflux()
    cleanups.push(() => server.dispose())
    rows.push(await bench(`InfluxDB (1.x HTTP API)`, new InfluxVitalsStore({ url: `${server.url}/bench` }), points))
  } else console.log('InfluxDB not installed: skipped')

  console.log(`\nreadings benchmark: ${POINTS} points (6 fields each), batch size ${BATCH}; chart = 24 h of one resident (a reading every 5 s) at 1-min steps + latest values, median of 5\n`)
  console.log(['store'.padEnd(28), 'batch'.padStart(6), 'points'.padStart(8), 'seconds'.padStart(8), 'points/s'.padStart(10), 'chart ms'.padStart(9), 'buckets'.padStart(8)].join(' '))
  for (const r of rows) {
    console.log([r.store.padEnd(28), String(r.batch).padStart(6), String(r.points).padStart(8), r.seconds.toFixed(2).padStart(8),
      Math.round(r.perSec).toString().padStart(10), r.chartMs.toFixed(1).padStart(9), String(r.buckets).padStart(8)].join(' '))
  }
} finally {
  for (const c of cleanups.reverse()) await c()
}
