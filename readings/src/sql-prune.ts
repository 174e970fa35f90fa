/**
 * Retention for the relational stores (`readings`, `position_track`): rows older than the
 * retention deleted a few pages of the table per statement, in the database's background lane.
 *
 * The obvious statement, `delete from readings where ts < $1`, has no index on `ts` alone to use
 * (the table's index is `(resident_id, ts)`, what every read needs; one more index would cost
 * every one of the thousands of readings written a second), so it reads the whole table — on the
 * embedded database, where statements run one at a time, with every alarm waiting: measured on
 * PGlite, 92–138 ms per million rows when nothing is old enough, 223 ms when 100,000 of them are,
 * every hour, and a community's 90 days of readings are tens of millions of rows.
 *
 * So the table is walked by its physical pages instead (`ctid` ranges: a TID Range Scan reads only
 * those pages), `pagesPerStatement` at a time: the same reading of the table in all, but an alarm
 * waits for one statement rather than for the whole — at 5,000,000 readings on PGlite in files, at
 * most 5.5 ms with nothing to delete and 46 ms deleting 500,000 (`npm run bench:readings:prune`).
 * New rows land at the end during the walk and are newer than the cut anyway.
 */
import type { Sql } from './store.ts'

export interface PagedPruneOptions {
  /** Table pages read per statement. Default 64 (~8,000 readings). */
  pagesPerStatement?: number
}

export const PAGES_PER_PRUNE_STATEMENT = 64

/** Deletes the rows of `table` with `ts` before `before`, page range by page range; resolves with how many. */
export async function prunePaged (sql: Sql, table: 'readings' | 'position_track', before: Date, opts: PagedPruneOptions = {}): Promise<number> {
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
