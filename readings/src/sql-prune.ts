/**
 * Retention for the relational stores (`readings`, `position_track`), which are partitioned by time
 * (migration 0026): a leaf whose whole span is past retention is dropped, and the rows past
 * retention in the leaf the cut falls in (and in the default leaf) are deleted a few pages of that
 * leaf per statement — all in the database's background lane.
 *
 * Why leaves: the embedded database (PGlite) has no autovacuum, so the space of a deleted row is
 * never reused and a table pruned row by row grows without bound (measured: 1,000,000 readings
 * 64.4 MiB; half deleted, 500,000 more written: 96.6 MiB). A dropped leaf gives its files back at
 * once without reading a row; only the one leaf the cut falls in carries dead rows, until it is
 * dropped in turn (a week later for readings, a day for the track).
 *
 * Why pages: `delete … where ts < $1` has no index on `ts` alone to use (the index is
 * `(resident_id, ts)`, what every read needs; one more would cost each of the thousands of readings
 * written a second), so it reads the whole leaf in one statement — on the embedded database, where
 * statements run one at a time, with every alarm waiting. So a leaf is walked by its physical pages
 * (`ctid` ranges: a TID Range Scan reads only those pages), `pagesPerStatement` at a time: an alarm
 * waits for one statement, not the whole (at 5,000,000 readings in one table on PGlite in files, at
 * most 5.5 ms with nothing to delete and 46 ms deleting 500,000; `npm run bench:readings:prune`).
 */
import type { PruneResult, Sql } from './store.ts'

export interface PagedPruneOptions {
  /** Table pages read per statement. Default 64 (~8,000 readings). */
  pagesPerStatement?: number
}

export const PAGES_PER_PRUNE_STATEMENT = 64

/** A table partitioned by time (migration 0026) and the span of each of its leaves. */
export interface TimePartitions {
  table: 'readings' | 'position_track'
  /** one leaf's span, ms: a week for readings, a day for the track */
  spanMs: number
}

const DAY = 86_400_000
export const READINGS_PARTITIONS: TimePartitions = { table: 'readings', spanMs: 7 * DAY }
export const TRACK_PARTITIONS: TimePartitions = { table: 'position_track', spanMs: DAY }

const interval = (ms: number): string => `${ms / 1000} seconds`

/**
 * Creates the leaves from one span before `nowMs` to two spans after it that do not exist yet (rows
 * of their span in the default leaf move into them); resolves with how many it created. Each store
 * runs it at start and with every prune (hourly), so the next leaves always exist days ahead.
 */
export async function ensurePartitions (sql: Sql, p: TimePartitions, nowMs: number): Promise<number> {
  const { rows } = await sql.query<{ made: number }>('select time_partitions_ensure($1, $2::interval, $3, $4) as made',
    [p.table, interval(p.spanMs), new Date(nowMs - p.spanMs), new Date(nowMs + 2 * p.spanMs)], { priority: 'background' })
  return Number(rows[0]?.made ?? 0)
}

/**
 * The retention of one partitioned table at `nowMs`: the leaves ahead made, the leaves wholly past
 * `retentionMs` dropped, and the older rows of the leaves the cut falls in deleted page by page.
 */
export async function prunePartitions (sql: Sql, p: TimePartitions, nowMs: number, retentionMs: number, opts: PagedPruneOptions = {}): Promise<PruneResult> {
  await ensurePartitions(sql, p, nowMs)
  const before = new Date(nowMs - retentionMs)
  const { rows: leaves } = await sql.query<{ leaf: string, dropped: boolean }>('select leaf, dropped from time_partitions_prune($1, $2)',
    [p.table, before], { priority: 'background' })
  const out: PruneResult = { rows: 0, partitions: 0 }
  for (const l of leaves) {
    if (l.dropped) out.partitions++
    else out.rows += await prunePaged(sql, l.leaf, before, opts)
  }
  return out
}

/** Deletes the rows of the table (or leaf) `table` with `ts` before `before`, page range by page range; resolves with how many. */
export async function prunePaged (sql: Sql, table: string, before: Date, opts: PagedPruneOptions = {}): Promise<number> {
  // a name from the catalog or this package, never input; checked anyway, since it is spliced in
  if (!/^[a-z][a-z0-9_]*$/.test(table)) throw new Error(`not a table name: ${JSON.stringify(table)}`)
  const pages = opts.pagesPerStatement ?? PAGES_PER_PRUNE_STATEMENT
  const { rows } = await sql.query<{ blocks: number | string }>(
    `select pg_relation_size('${table}') / current_setting('block_size')::int as blocks`, [], { priority: 'background' })
  const blocks = Number(rows[0]?.blocks ?? 0)
  let deleted = 0
  for (let from = 0; from < blocks; from += pages) {
    const r = await sql.query(`delete from ${table} where ctid >= $1::tid and ctid < $2::tid and ts < $3`,
      [`(${from},0)`, `(${from + pages},0)`, before], { priority: 'background' })
    deleted += r.rowCount
  }
  return deleted
}
