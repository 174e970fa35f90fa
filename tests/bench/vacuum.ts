/**
 * `npm run bench:vacuum -- [--residents N]` — the embedded database's VACUUM pass
 * (platform/src/db/vacuum.ts; issue 11: PGlite has no autovacuum) beside the alarm lane.
 *
 * A city in the embedded database in files (a temporary DATA_DIR, as `npm start` keeps it): the
 * supervision benchmark's (tests/bench/supervision.ts: N residents, default 100,000, a device each,
 * a year of visits, assessments, incidents) plus a week of readings from 1,000 devices in their leaves. Then four
 * passes, each with an alarm-lane `select 1` every 2 ms beside it (tests/bench/alarm-lane-probe.ts):
 *
 * 1. the first pass of an upgraded deployment: nothing frozen, every page read;
 * 2. after an hour's bookkeeping: every device's presence written twice, a tenth of the incidents
 *    updated;
 * 3. after a month of visits deleted (a big table with many dead rows: its indexes are cleaned);
 * 4. with nothing changed since.
 *
 * Prints, per pass: tables vacuumed, tables with nothing due, time leaves left alone, the pass, the longest one table took
 * (and which), the alarm lane's wait p50 / p99 / max, and the database's transaction-id age before
 * and after. Asserts nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { migrate, openDb, vacuumPass, type Db } from '@eldercare/platform'
import { probeAlarmLane, spread } from './alarm-lane-probe.ts'
import { seedSql } from './supervision.ts'

function options (): { residents: number } {
  const { values } = parseArgs({ options: { residents: { type: 'string', default: '100000' } } })
  const residents = Number(values.residents)
  if (!Number.isInteger(residents) || residents < 1000 || residents > 1_000_000) throw new Error(`--residents must be a whole number from 1000 to 1000000, not "${values.residents}"`)
  return { residents }
}

async function pass (db: Db, label: string): Promise<string> {
  const probe = probeAlarmLane(db)
  await new Promise((resolve) => setTimeout(resolve, 50))
  const p = await vacuumPass(db)
  await new Promise((resolve) => setTimeout(resolve, 50))
  const w = spread(await probe.stop())
  return `| ${label} | ${p.tables} | ${p.notDue} | ${p.leavesSkipped} | ${Math.round(p.ms).toLocaleString('en')} ms | ${Math.round(p.longestMs).toLocaleString('en')} ms (${p.longest}) | ${w.p50.toFixed(2)} / ${w.p99.toFixed(1)} / ${w.max.toFixed(1)} ms (${w.count}) | ${p.xidAgeBefore.toLocaleString('en')} → ${p.xidAgeAfter.toLocaleString('en')} |`
}

async function main (): Promise<void> {
  let opts: ReturnType<typeof options>
  try {
    opts = options()
  } catch (err) {
    console.error(`bench:vacuum: ${(err as Error).message}`)
    process.exit(2)
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-vacuum-'))
  const db = await openDb({ dataDir: dir })
  try {
    await migrate(db)
    const root = { id: 'city', path: '/city/' }
    await db.query(`insert into areas (id, name, level, parent_id, path) values ($1, '市', 'city', null, $2)`, [root.id, root.path])
    const t0 = performance.now()
    await db.exec(seedSql(root, { residents: opts.residents, beds: Math.floor(opts.residents / 10) }))
    // a week of readings, one every 10 minutes from 1,000 devices (in their leaves, which the pass leaves alone)
    await db.query(`insert into readings (resident_id, device_id, ts, hr, spo2)
      select 'br' || (i % 1000 + 1), 'bdev' || (i % 1000 + 1), now() - ((i / 1000 * 10) || ' minutes')::interval, 70, 97
        from generate_series(0, 1000 * 1008 - 1) i`)
    const counts = (await db.query<Record<string, string>>(`select (select count(*) from residents) as residents, (select count(*) from visits) as visits,
      (select count(*) from incidents) as incidents, (select count(*) from readings) as readings`)).rows[0]!
    console.log(`pglite: ${counts.residents} residents (a device each), ${counts.visits} visits, ${counts.incidents} incidents, ${counts.readings} readings in ${Math.round((performance.now() - t0) / 1000)} s`)
    const lines = ['| pass | tables vacuumed | not due | leaves left | took | longest table | alarm-lane wait p50 / p99 / max (samples) | transaction-id age |', '|---|---:|---:|---:|---:|---|---|---|']
    lines.push(await pass(db, 'first (nothing frozen)'))
    await db.query(`update devices set last_seen_at = now(), online = true`)
    await db.query(`update devices set last_seen_at = now() + interval '1 minute'`)
    await db.query(`update incidents set updated_at = now() where id like 'binc%' and substr(id, 5)::int % 10 = 0`)
    lines.push(await pass(db, "after an hour's bookkeeping"))
    const { rowCount } = await db.query(`delete from visits where due_date between date '2025-03-01' and date '2025-03-31'`)
    lines.push(await pass(db, `after ${rowCount.toLocaleString('en')} visits deleted`))
    lines.push(await pass(db, 'nothing changed'))
    console.log(lines.join('\n'))
  } finally {
    await db.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err) => { console.error(err instanceof Error ? err.message : err); process.exit(1) })
