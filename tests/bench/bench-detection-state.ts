/**
 * `npx tsx tests/bench/bench-detection-state.ts` — what the detection rules write to
 * `detection_state` under a telemetry load (#11: rule state written on change, not per reading).
 *
 * A simulated city block on a real database (PGlite in memory): RESIDENTS residents, each with a
 * wearable sending one reading a second (pulse, SpO2, respiration, blood pressure, temperature;
 * motion in one sample in ten; one resident in ten runs a high pulse for a while), one in five
 * with a bed sensor reporting occupancy every 10 s. The clock is simulated (SECONDS of it, the
 * scheduler tick every 30 s) so the figures do not depend on the machine; the wall time and the
 * longest synchronous detection task are printed too. Asserts nothing: figures, not a test.
 *
 * "promotedPerReadingB": what a second of readings leaves in V8's old generation, per reading —
 * two scavenges after each simulated second (at 10,000 msg/s there are ~11 a second, so a rule's
 * memory that lives until the resident's next reading is promoted, and becomes old-generation
 * garbage that only a major GC reclaims: issue 11's stalls). The median over the seconds
 * without a major GC.
 *
 * Options (env): RESIDENTS (default 2000), SECONDS (default 300), DB=postgres for a real
 * PostgreSQL 15 (default PGlite in memory, whose queries run on the event loop).
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { pino } from 'pino'
import type { Sql } from '@eldercare/gateway'
import { Detector, GatewayStore } from '@eldercare/gateway/testing'
import { migrate, openDb } from '@eldercare/platform'
import { startPostgres } from '../support/postgres.ts'

const RESIDENTS = Number(process.env.RESIDENTS ?? 2000)
const SECONDS = Number(process.env.SECONDS ?? 300)
const TICK_S = 30
/** 2026-11-23 10:00 in Asia/Shanghai: daytime, inside the inactivity window */
const T0 = Date.UTC(2026, 10, 23, 2, 0, 0)

const server = process.env.DB === 'postgres' ? await startPostgres() : null
const db = await openDb(server ? { databaseUrl: await server.createDatabase('bench_detection') } : { dataDir: 'memory://' })
await migrate(db)
await db.exec(`insert into areas (id, name, level, path) values ('a1', 'city', 'city', '/a1/');
  insert into sites (id, name, kind, area_id) values ('s1', 'block', 'home', 'a1');`)
const residents = Array.from({ length: RESIDENTS }, (_, i) => `r${i}`)
await db.query(`insert into residents (id, name, site_id) select x, x, 's1' from unnest($1::text[]) as x`, [residents])
await db.query(`insert into devices (id, type, site_id, resident_id, secret_hash, last_seen_at, online)
  select 'w' || substr(x, 2), 'wearable', 's1', x, 'x', $2, true from unnest($1::text[]) as x`, [residents, new Date(T0)])
await db.query(`insert into devices (id, type, site_id, resident_id, secret_hash, last_seen_at, online)
  select 'b' || substr(x, 2), 'bed_sensor', 's1', x, 'x', $2, true from unnest($1::text[]) as x where substr(x, 2)::int % 5 = 0`, [residents, new Date(T0)])

// Count what reaches detection_state: statements and rows (rowCount of each write).
const counted = { statements: 0, rows: 0 }
const sql: Sql = {
  async query (text, params) {
    const r = await db.query(text, params)
    if (/detection_state/.test(text) && /^\s*(insert|update|with)/i.test(text)) { counted.statements++; counted.rows += r.rowCount }
    return r as never
  }
}

let now = T0
const det = new Detector({ sql, store: new GatewayStore(sql), log: pino({ level: 'warn' }), notify: () => {}, now: () => now, tickIntervalMs: 0 })
await det.start()

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as (o: { type: 'minor' | 'major' }) => void
const oldSpaceUsed = (): number => getHeapSpaceStatistics().find((sp) => sp.space_name === 'old_space')!.space_used_size
const promoted: number[] = []

const taskMs: number[] = []
const tickMs: number[] = []
const timed = (fn: () => void) => { const t = performance.now(); fn(); taskMs.push(performance.now() - t) }
const wall0 = performance.now()
let readings = 0
for (let s = 0; s < SECONDS; s++) {
  now = T0 + s * 1000
  gc({ type: 'minor' }); gc({ type: 'minor' })
  const oldBefore = oldSpaceUsed()
  const readingsBefore = readings
  for (let i = 0; i < RESIDENTS; i++) {
    const high = i % 10 === 0 && s % 600 < 240 // a run of high pulse: a pending duration, then an episode
    const fields = { hr: high ? 130 + (s % 5) : 70 + ((i + s) % 15), spo2: 95 + ((i + s) % 4), rr: 14 + ((i + s) % 4), sbp: 120 + ((i + s) % 10), temp: 36.5 + ((i + s) % 5) / 10, motion: (i + s) % 10 === 0 ? 1 : 0 }
    timed(() => det.onSamples({ deviceId: `w${i}`, type: 'wearable', residentId: `r${i}` }, [{ ts: now, fields }]))
    readings++
    if (i % 5 === 0 && s % 10 === 0) {
      timed(() => det.onSamples({ deviceId: `b${i}`, type: 'bed_sensor', residentId: `r${i}` }, [{ ts: now, fields: { bed_occupied: (s / 10) % 30 === 29 ? 0 : 1, bed_movement: 1 } }]))
      readings++
    }
  }
  gc({ type: 'minor' }); gc({ type: 'minor' })
  const grew = oldSpaceUsed() - oldBefore
  if (grew >= 0 && s > 0) promoted.push(grew / (readings - readingsBefore)) // < 0: a major GC ran
  if (s % TICK_S === TICK_S - 1) {
    // the longest the tick holds the event loop: the largest gap between runs of a 1-ms timer
    let last = performance.now()
    let gap = 0
    const probe = setInterval(() => { const t = performance.now(); gap = Math.max(gap, t - last); last = t }, 1)
    await det.tick()
    await new Promise((resolve) => setTimeout(resolve, 5))
    clearInterval(probe)
    tickMs.push(gap)
  }
  await new Promise((resolve) => setImmediate(resolve))
}
await det.settled()
const during = { ...counted }
await det.stop()
const wallS = (performance.now() - wall0) / 1000
await db.close()
await server?.stop()


const row = {
  db: server ? 'postgres' : 'pglite',
  residents: RESIDENTS,
  simulatedSeconds: SECONDS,
  readingsPerS: Math.round(readings / SECONDS),
  stateStatementsPerS: +(during.statements / SECONDS).toFixed(2),
  stateRowsPerS: +(during.rows / SECONDS).toFixed(1),
  rowsAtShutdown: counted.rows - during.rows,
  readingTaskP99Ms: +taskMs.sort((a, b) => a - b)[Math.floor(taskMs.length * 0.99)]!.toFixed(3),
  readingTaskMaxMs: +taskMs[taskMs.length - 1]!.toFixed(1),
  promotedPerReadingB: Math.round(promoted.sort((a, b) => a - b)[promoted.length >> 1] ?? NaN),
  tickLoopBlockMaxMs: +Math.max(...tickMs).toFixed(1),
  wallSeconds: +wallS.toFixed(1)
}
console.table([row])
console.log(JSON.stringify(row))
