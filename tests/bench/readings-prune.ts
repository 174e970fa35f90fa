/**
 * `npm run bench:readings:prune -- [--rows N] [--db pglite|postgres] [--weeks W]` — the hourly
 * retention of the relational readings store beside the alarm lane (issue 11), before and after
 * readings were partitioned by week (migration 0026), side by side in one run. Asserts nothing.
 *
 * 1. What a fall's inbox insert waits for while readings past retention go. N readings (default
 *    2,000,000, 1,000 residents, from 89 days ago to now, in time order as the writer appends them)
 *    both in one table of the shape before 0026 (`readings_flat`, pruned a few pages per statement as
 *    the store did) and in the partitioned `readings` (whose weekly leaves a deployment made as it
 *    went). Each pruned at now (nothing past retention: every hour of a deployment's first 90 days)
 *    and at a week later (a week past retention), an alarm-lane `select 1` every 2 ms beside it
 *    (tests/bench/alarm-lane-probe.ts).
 * 2. With `--weeks W` (default 12; 0 skips it): the room the readings take, week by week, in a
 *    deployment written and pruned daily at 4 weeks of retention (N / 90 readings a day), one
 *    table (before) and weekly leaves (after), each in its own database.
 *
 * The embedded database runs in files (a temporary DATA_DIR, as `npm start` keeps it); `--db
 * postgres` uses a private PostgreSQL 15.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { migrate, openDb, type Db } from '@eldercare/platform'
import { ensurePartitions, prunePaged, READINGS_PARTITIONS, SqlVitalsStore } from '@eldercare/readings'
import { startPostgres, type PostgresServer } from '../support/postgres.ts'
import { probeAlarmLane, spread } from './alarm-lane-probe.ts'

const DAY = 86_400_000
const RETENTION = 90 * DAY
/** The readings table's shape before migration 0026: one table, its one index. */
const FLAT_TABLE = 'create table readings_flat (like readings including defaults); create index readings_flat_resident_ts_idx on readings_flat (resident_id, ts)'

function options (): { rows: number, db: 'pglite' | 'postgres', weeks: number } {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '2000000' }, db: { type: 'string', default: 'pglite' }, weeks: { type: 'string', default: '12' } } })
  const rows = Number(values.rows)
  if (!Number.isInteger(rows) || rows < 10_000 || rows > 50_000_000) throw new Error(`--rows must be a whole number from 10000 to 50000000, not "${values.rows}"`)
  if (values.db !== 'pglite' && values.db !== 'postgres') throw new Error(`--db must be pglite or postgres, not "${values.db}"`)
  const weeks = Number(values.weeks)
  if (!Number.isInteger(weeks) || weeks < 0 || weeks > 104) throw new Error(`--weeks must be a whole number from 0 to 104, not "${values.weeks}"`)
  return { rows, db: values.db, weeks }
}

interface Opened { db: Db, close: () => Promise<void> }

async function opener (kind: 'pglite' | 'postgres'): Promise<{ open: (name: string) => Promise<Opened>, stop: () => Promise<void> }> {
  let pg: PostgresServer | null = null
  const dirs: string[] = []
  return {
    async open (name) {
      if (kind === 'postgres') {
        const db = await openDb({ databaseUrl: await (pg ??= await startPostgres()).createDatabase(name) })
        return { db, close: () => db.close() }
      }
      const dir = mkdtempSync(join(tmpdir(), 'bench-prune-'))
      dirs.push(dir)
      const db = await openDb({ dataDir: dir })
      return { db, close: () => db.close() }
    },
    async stop () {
      await pg?.stop()
      for (const d of dirs) rmSync(d, { recursive: true, force: true })
    }
  }
}

async function timed (db: Db, label: string, prune: () => Promise<{ rows: number, partitions: number }>): Promise<string> {
  const probe = probeAlarmLane(db)
  await new Promise((resolve) => setTimeout(resolve, 50))
  const t0 = performance.now()
  const r = await prune()
  const ms = performance.now() - t0
  await new Promise((resolve) => setTimeout(resolve, 50))
  const w = spread(await probe.stop())
  return `| ${label} | ${r.rows.toLocaleString('en')} | ${r.partitions} | ${Math.round(ms).toLocaleString('en')} ms | ${w.p50.toFixed(2)} / ${w.p99.toFixed(1)} / ${w.max.toFixed(1)} ms (${w.count}) |`
}

/** Part 1: the alarm lane beside a prune of one table and of weekly leaves. */
async function waits (db: Db, rows: number, label: string): Promise<void> {
  const now = Date.now()
  // the leaves a deployment made as it went, then the same rows in both shapes
  for (let d = 91; d >= 0; d -= 7) await ensurePartitions(db, READINGS_PARTITIONS, now - d * DAY)
  await db.exec(FLAT_TABLE)
  const t0 = performance.now()
  for (const table of ['readings_flat', 'readings']) {
    for (let i = 0; i < rows; i += 200_000) {
      await db.query(`insert into ${table} (resident_id, device_id, ts, hr, spo2, rr, temp)
        select 'r' || (i % 1000), 'd' || (i % 1000), $2::timestamptz + (i * $3::float8 || ' ms')::interval, 70, 97, 16, 36.6
          from generate_series($1::int, least($1::int + 199999, $4::int - 1)) i`, [i, new Date(now - 89 * DAY), (89 * DAY) / rows, rows])
    }
  }
  console.log(`${label}: ${rows.toLocaleString('en')} readings in each shape in ${Math.round(performance.now() - t0)} ms`)
  const store = new SqlVitalsStore(db, { retentionMs: RETENTION })
  const flat = (at: number) => async () => ({ rows: await prunePaged(db, 'readings_flat', new Date(at - RETENTION)), partitions: 0 })
  const lines = ['| prune | rows deleted | leaves dropped | took | alarm-lane wait p50 / p99 / max (samples) |', '|---|---:|---:|---:|---|']
  lines.push(await timed(db, 'nothing past retention · one table, page by page (before)', flat(now)))
  lines.push(await timed(db, 'nothing past retention · weekly leaves (after)', () => store.prune(now)))
  lines.push(await timed(db, 'a week past retention · one table, page by page (before)', flat(now + 7 * DAY)))
  lines.push(await timed(db, 'a week past retention · weekly leaves (after)', () => store.prune(now + 7 * DAY)))
  console.log(lines.join('\n'))
}

/** Part 2: the room a deployment's readings take, week by week, pruned daily at 4 weeks of retention. */
async function growth (open: (name: string) => Promise<Opened>, perDay: number, weeks: number): Promise<void> {
  const retention = 28 * DAY
  const sizes: Record<string, string[]> = {}
  for (const shape of ['one table (before)', 'weekly leaves (after)']) {
    const { db, close } = await open(`bench_growth_${shape.startsWith('one') ? 'flat' : 'leaves'}`)
    try {
      await migrate(db)
      const flat = shape.startsWith('one')
      if (flat) await db.exec(FLAT_TABLE)
      const table = flat ? 'readings_flat' : 'readings'
      const size = async () => Number((await db.query<{ b: string }>(flat
        ? `select pg_total_relation_size('readings_flat')::bigint as b`
        : `select sum(pg_total_relation_size(inhrelid))::bigint as b from pg_inherits where inhparent = 'readings'::regclass`)).rows[0]!.b) / 1_048_576
      const store = new SqlVitalsStore(db, { retentionMs: retention })
      const start = Date.now() - weeks * 7 * DAY
      sizes[shape] = []
      for (let day = 0; day < weeks * 7; day++) {
        const t = start + day * DAY
        if (flat) await prunePaged(db, table, new Date(t - retention)); else await store.prune(t)
        await db.query(`insert into ${table} (resident_id, device_id, ts, hr, spo2, rr, temp)
          select 'r' || (i % 1000), 'd' || (i % 1000), $1::timestamptz + (i * $2::float8 || ' ms')::interval, 70, 97, 16, 36.6
            from generate_series(0, $3::int - 1) i`, [new Date(t), DAY / perDay, perDay])
        if (day % 7 === 6) sizes[shape]!.push((await size()).toFixed(1))
      }
    } finally {
      await close()
    }
  }
  console.log(`\nroom taken (MiB, readings and their index) at the end of each week; ${perDay.toLocaleString('en')} readings a day, pruned daily at 4 weeks of retention:`)
  console.log(`| shape | ${Array.from({ length: weeks }, (_, i) => `w${i + 1}`).join(' | ')} |`)
  console.log(`|---|${'---:|'.repeat(weeks)}`)
  for (const [shape, s] of Object.entries(sizes)) console.log(`| ${shape} | ${s.join(' | ')} |`)
}

async function main (): Promise<void> {
  let opts: ReturnType<typeof options>
  try {
    opts = options()
  } catch (err) {
    console.error(`bench:readings:prune: ${(err as Error).message}`)
    process.exit(2)
  }
  const { open, stop } = await opener(opts.db)
  try {
    const { db, close } = await open('bench_prune')
    try {
      await migrate(db)
      await waits(db, opts.rows, opts.db)
    } finally {
      await close()
    }
    if (opts.weeks > 0) await growth(open, Math.round(opts.rows / 90), opts.weeks)
  } finally {
    await stop()
  }
}

main().catch((err) => { console.error(err instanceof Error ? err.message : err); process.exit(1) })
