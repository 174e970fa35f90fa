/**
 * `npm run bench:readings:prune -- [--rows N] [--db pglite|postgres]` — the hourly retention of the
 * relational readings store beside the alarm lane (issue 11): what a fall's inbox insert waits for
 * while readings past retention are deleted.
 *
 * N readings (default 2,000,000, 1,000 residents, in time order as the writer appends them) in the
 * embedded database in files (a temporary DATA_DIR, as `npm start` keeps it) or a private
 * PostgreSQL 15. Then each prune, side by side in one run: the one statement the store ran before
 * (`delete from readings where ts < $1`) and the store's prune (readings/src/sql-prune.ts, a few
 * pages per statement) — first with nothing past retention (every hour of a deployment's first 90
 * days), then with a tenth of the rows past it (each run on its own tenth). Meanwhile an alarm-lane
 * `select 1` every 2 ms (tests/bench/alarm-lane-probe.ts). Prints a table; asserts nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { migrate, openDb, type Db } from '@eldercare/platform'
import { SqlVitalsStore } from '@eldercare/readings'
import { startPostgres, type PostgresServer } from '../support/postgres.ts'
import { probeAlarmLane, spread } from './alarm-lane-probe.ts'

const DAY = 86_400_000
const RETENTION = 90 * DAY

function options (): { rows: number, db: 'pglite' | 'postgres' } {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '2000000' }, db: { type: 'string', default: 'pglite' } } })
  const rows = Number(values.rows)
  if (!Number.isInteger(rows) || rows < 10_000 || rows > 50_000_000) throw new Error(`--rows must be a whole number from 10000 to 50000000, not "${values.rows}"`)
  if (values.db !== 'pglite' && values.db !== 'postgres') throw new Error(`--db must be pglite or postgres, not "${values.db}"`)
  return { rows, db: values.db }
}

async function timed (db: Db, label: string, prune: () => Promise<number>): Promise<string> {
  const probe = probeAlarmLane(db)
  await new Promise((resolve) => setTimeout(resolve, 50))
  const t0 = performance.now()
  const deleted = await prune()
  const ms = performance.now() - t0
  await new Promise((resolve) => setTimeout(resolve, 50))
  const w = spread(await probe.stop())
  return `| ${label} | ${deleted.toLocaleString('en')} | ${Math.round(ms).toLocaleString('en')} ms | ${w.p50.toFixed(2)} / ${w.p99.toFixed(1)} / ${w.max.toFixed(1)} ms (${w.count}) |`
}

async function main (): Promise<void> {
  let opts: ReturnType<typeof options>
  try {
    opts = options()
  } catch (err) {
    console.error(`bench:readings:prune: ${(err as Error).message}`)
    process.exit(2)
  }
  let pg: PostgresServer | null = null
  const dir = mkdtempSync(join(tmpdir(), 'bench-prune-'))
  const db = opts.db === 'postgres'
    ? await openDb({ databaseUrl: await (pg = await startPostgres()).createDatabase('bench_prune') })
    : await openDb({ dataDir: dir })
  try {
    await migrate(db)
    const now = Date.now()
    const t0 = performance.now()
    // the rows from 89 days ago to now, in time order; devices d0…d999 of residents r0…r999
    for (let i = 0; i < opts.rows; i += 200_000) {
      await db.query(`insert into readings (resident_id, device_id, ts, hr, spo2, rr, temp)
        select 'r' || (i % 1000), 'd' || (i % 1000), $2::timestamptz + (i * $3::float8 || ' ms')::interval, 70, 97, 16, 36.6
          from generate_series($1::int, least($1::int + 199999, $4::int - 1)) i`, [i, new Date(now - 89 * DAY), (89 * DAY) / opts.rows, opts.rows])
    }
    console.log(`${opts.db}: ${opts.rows.toLocaleString('en')} readings in ${Math.round(performance.now() - t0)} ms`)
    const store = new SqlVitalsStore(db, { retentionMs: RETENTION })
    const oneStatement = async () => (await db.query('delete from readings where ts < $1', [new Date(now - RETENTION)])).rowCount
    const paged = () => store.prune(now)
    // a tenth of the rows past retention: devices of one hundred residents moved back 100 days
    const age = (from: number) => db.query(`update readings set ts = ts - interval '100 days' where device_id = any($1::text[])`,
      [Array.from({ length: 100 }, (_, k) => `d${from + k}`)])

    const lines = ['| prune | rows deleted | took | alarm-lane wait p50 / p99 / max (samples) |', '|---|---:|---:|---|']
    lines.push(await timed(db, 'nothing past retention · one statement (before)', oneStatement))
    lines.push(await timed(db, 'nothing past retention · pages (after)', paged))
    await age(0)
    lines.push(await timed(db, 'a tenth past retention · one statement (before)', oneStatement))
    await age(100)
    lines.push(await timed(db, 'a tenth past retention · pages (after)', paged))
    console.log(lines.join('\n'))
  } finally {
    await db.close()
    await pg?.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err) => { console.error(err instanceof Error ? err.message : err); process.exit(1) })
