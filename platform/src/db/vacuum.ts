/**
 * VACUUM and ANALYZE for the embedded database (issue 11). PGlite is PostgreSQL without its
 * background processes: no autovacuum. Three things follow, and this job answers them, table by
 * table, in the database's background lane (an alarm waits for one table's VACUUM or ANALYZE at
 * most, never for the pass):
 *
 * - The space of a deleted or updated row is never marked free, so every table that deletes or
 *   updates (the inbox pruned, incidents moving through their states, commands, the outbox) grows
 *   without bound. A VACUUM marks the space reusable.
 * - Transaction ids are never frozen. The database spent 99 a second under 10,000 devices
 *   (`npm run bench:alarms`, `database transaction ids / s`): about 8.5 million a day, the 2^31 a
 *   PostgreSQL can tell apart in some 250 days. PostgreSQL refuses new ids as it nears that only
 *   under a postmaster (varsup.c); PGlite is a standalone backend with none, and past the wrap rows
 *   written before would read as written in the future (not tried here: it takes 2^31
 *   transactions). `VACUUM (FREEZE)` of the tables, the system catalogs included, moves the
 *   database's oldest id (`age(datfrozenxid)`, the gauge `eldercare_db_xid_age`) up.
 * - Planner statistics are never gathered, so a plan that turns on how many rows a condition keeps
 *   is a guess: a community's report read 2–4 × slower unanalyzed (`npm run bench:supervision`).
 *   `ANALYZE`, 3,000 rows a table (`ANALYZE_STATISTICS_TARGET`), gathers them.
 *
 * Which tables: autovacuum's own rules with PostgreSQL's defaults — dead rows past 50 + 20 % of the
 * live ones, rows inserted since the last VACUUM past 1,000 + 20 % (so an append-only table is
 * frozen a little at a time, never all at once), or a transaction-id age past `freezeAge` — read
 * from the statistics PGlite keeps like any PostgreSQL. A pass with nothing due reads the catalog
 * and nothing else. Each due table gets `VACUUM (FREEZE)`: its pages are then skipped by every
 * later VACUUM until they change (the visibility map). A table with rows changed since its last
 * ANALYZE past 50 + 10 % of it (autovacuum's analyze rule) is analyzed, in a statement of its own.
 *
 * The time leaves of readings and the position track (migration 0026) are left alone: they are
 * dropped whole when past retention, long before their ids could wrap, and a VACUUM of a week of
 * readings would hold the database for seconds. Only a leaf older than `leafFreezeAge` ids (a
 * retention set so long that it would wrap) is frozen.
 *
 * PostgreSQL (`DATABASE_URL`) has autovacuum; this job runs on PGlite only (platform/src/embedded.ts).
 */
import type { Db } from './db.ts'

export interface EmbeddedVacuumOptions {
  /** Between passes, ms. Default an hour: a pass reads what changed since the last, so short passes hold the database for less. */
  intervalMs?: number
  /** The first pass this long after start, ms. Default 10 minutes (after a restart's catch-up). */
  firstAfterMs?: number
  /** Any other table is frozen past this many transaction ids, whatever else. Default 100,000,000 (autovacuum's `vacuum_freeze_table_age` is 150,000,000). */
  freezeAge?: number
  /** A time leaf of readings or the track is frozen only past this many transaction ids. Default 1,000,000,000. */
  leafFreezeAge?: number
  /** Told of each pass (logged by the caller). */
  onPass?: (pass: VacuumPass) => void
}

export interface VacuumPass {
  /** tables vacuumed */
  tables: number
  /** tables analyzed (their planner statistics gathered again) */
  analyzed: number
  /** tables with nothing due */
  notDue: number
  /** time leaves left alone */
  leavesSkipped: number
  /** the pass, ms */
  ms: number
  /** the longest statement, ms, and what it was: a table's name (its VACUUM) or `analyze <table>` */
  longestMs: number
  longest: string | null
  /** age(datfrozenxid) before and after */
  xidAgeBefore: number
  xidAgeAfter: number
}

export const EMBEDDED_VACUUM_DEFAULTS = { intervalMs: 3600_000, firstAfterMs: 10 * 60_000, freezeAge: 100_000_000, leafFreezeAge: 1_000_000_000 }

/**
 * `default_statistics_target` of the pass's ANALYZEs: 300 × it rows sampled a table. PostgreSQL's
 * default 100 held an alarm 378 ms on a city's residents (100,000, `npm run bench:vacuum`); 10, its
 * default before 8.4, 45 ms, and plans as good for these statements (`npm run bench:supervision`).
 */
export const ANALYZE_STATISTICS_TARGET = 10

/** The database's transaction-id age, `age(datfrozenxid)` (the pass's before and after; the gauge `eldercare_db_xid_age`). */
export async function databaseXidAge (db: Db, priority: 'normal' | 'background' = 'normal'): Promise<number> {
  return Number((await db.query<{ age: number }>('select age(datfrozenxid)::float8 as age from pg_database where datname = current_database()', [], { priority })).rows[0]?.age ?? 0)
}

/** One pass: `VACUUM (FREEZE)` and `ANALYZE` of each table due (autovacuum's rules), catalogs included, the young time leaves left alone. */
export async function vacuumPass (db: Db, opts: Pick<EmbeddedVacuumOptions, 'freezeAge' | 'leafFreezeAge'> = {}): Promise<VacuumPass> {
  const freezeAge = opts.freezeAge ?? EMBEDDED_VACUUM_DEFAULTS.freezeAge
  const leafFreezeAge = opts.leafFreezeAge ?? EMBEDDED_VACUUM_DEFAULTS.leafFreezeAge
  const bg = { priority: 'background' as const }
  const t0 = performance.now()
  const xidAgeBefore = await databaseXidAge(db, 'background')
  // the statistics reach the views when a transaction ends, at most once a second: flushed now
  await db.query('select pg_stat_force_next_flush()', [], bg)
  // ordinary tables and materialized views; a time leaf is a partition with bounds (not a default leaf)
  const { rows } = await db.query<{ name: string, leaf: boolean, age: number, dead: number, live: number, inserted: number, modified: number, tuples: number }>(
    `select c.oid::regclass::text as name, age(c.relfrozenxid)::float8 as age,
            (c.relispartition and pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT') as leaf,
            coalesce(s.n_dead_tup, 0)::float8 as dead, coalesce(s.n_live_tup, 0)::float8 as live,
            coalesce(s.n_ins_since_vacuum, 0)::float8 as inserted,
            coalesce(s.n_mod_since_analyze, 0)::float8 as modified, greatest(c.reltuples, 0)::float8 as tuples
       from pg_class c left join pg_stat_all_tables s on s.relid = c.oid
      where c.relkind in ('r', 'm') and c.relpersistence <> 't'
      order by age(c.relfrozenxid) desc`, [], bg)
  let tables = 0
  let analyzed = 0
  let notDue = 0
  let leavesSkipped = 0
  let longestMs = 0
  let longest: string | null = null
  // one statement a table and a task, each in the background lane: an alarm waits for one at most
  const run = async (sql: string, what: string): Promise<void> => {
    const t = performance.now()
    await db.query(sql, [], bg)
    const ms = performance.now() - t
    if (ms > longestMs) { longestMs = ms; longest = what }
  }
  await db.query(`set default_statistics_target = ${ANALYZE_STATISTICS_TARGET}`, [], bg)
  for (const r of rows) {
    if (r.leaf && r.age < leafFreezeAge) { leavesSkipped++; continue }
    const vacuum = r.leaf || r.age >= freezeAge || r.dead > 50 + 0.2 * r.live || r.inserted > 1000 + 0.2 * r.live
    // autovacuum's analyze rule: rows changed since the last ANALYZE past 50 + 10 % of the table
    // (a leaf's statistics are left to its queries' defaults, as its VACUUM is)
    const analyze = !r.leaf && r.modified > 50 + 0.1 * r.tuples
    if (!vacuum && !analyze) { notDue++; continue }
    // the name comes from the catalog, quoted by regclass where it needs it
    if (vacuum) { await run(`vacuum (freeze) ${r.name}`, r.name); tables++ }
    if (analyze) { await run(`analyze ${r.name}`, `analyze ${r.name}`); analyzed++ }
  }
  return { tables, analyzed, notDue, leavesSkipped, ms: performance.now() - t0, longestMs, longest, xidAgeBefore, xidAgeAfter: await databaseXidAge(db, 'background') }
}

/** Runs `vacuumPass` every `intervalMs` (the first after `firstAfterMs`); `stop()` waits for a pass under way. */
export class EmbeddedVacuum {
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null
  private readonly opts: Required<Omit<EmbeddedVacuumOptions, 'onPass'>> & Pick<EmbeddedVacuumOptions, 'onPass'>

  constructor (private readonly db: Db, opts: EmbeddedVacuumOptions = {}, private readonly onError: (err: unknown) => void = () => {}) {
    this.opts = { ...EMBEDDED_VACUUM_DEFAULTS, ...opts }
  }

  start (): void {
    const schedule = (ms: number): void => {
      this.timer = setTimeout(() => {
        // a failed pass (or a throwing onPass) is reported and the next runs at its time
        this.running = vacuumPass(this.db, this.opts).then((p) => this.opts.onPass?.(p)).catch(this.onError)
          .finally(() => { this.running = null; if (this.timer) schedule(this.opts.intervalMs) })
      }, ms)
      this.timer.unref()
    }
    schedule(this.opts.firstAfterMs)
  }

  async stop (): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    await this.running
  }
}
