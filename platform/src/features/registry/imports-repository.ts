/**
 * The SQL of CSV imports (the routes in imports.ts parse, validate, authorise and answer): the
 * look-ups that check a whole file's references at once, and the chunked all-or-nothing write.
 * Single rows are written by each resource's repository (insertArea, insertSite, …).
 */
import { setImmediate as turn } from 'node:timers/promises'
import { performance } from 'node:perf_hooks'
import { inPages, type Db, type Queryable } from '../../db/db.ts'
import type { SiteRow } from './scope.ts'

/**
 * How long one chunk should take, in ms: its rows made into a statement (residents' fields
 * encrypted: ~20 µs each) and the statement run. On the embedded database an alarm's inbox write
 * waits for the statement that runs (PGlite serves one at a time); on every engine the event
 * loop — MQTT, the alarms' PUBACKs — waits for the making. Chunks are sized to it from the one
 * before (a hundred residents took ~10 ms on PGlite, sites with their history ~8 ms, devices ~7
 * ms; 500 residents on PostgreSQL held the event loop ~15 ms; npm run bench:imports).
 */
export const IMPORT_CHUNK_MS = 4
/** Rows of an import's first chunk, and the bounds of the next ones'. */
export const IMPORT_CHUNK_ROWS = { first: 25, min: 5, max: 500 }

export type ImportTable = 'areas' | 'sites' | 'residents' | 'devices'

/** Statements that take back an import's rows of one chunk (history first: it refers to them). */
const UNDO: Record<ImportTable, string> = {
  areas: 'with h as (delete from area_history where area_id = any($1)) delete from areas where id = any($1)',
  sites: 'with h as (delete from site_history where site_id = any($1)) delete from sites where id = any($1)',
  residents: 'delete from residents where id = any($1)',
  devices: 'delete from devices where id = any($1)'
}

/**
 * Writes validated rows a chunk per statement (issue 11; issue 13 had chunks of 250 rows per
 * transaction, a statement per row: a chunk held the embedded database 90–230 ms, and areas and
 * sites went in one transaction for the whole file — 2,000 homes held every alarm 2.2 s).
 * `write` writes its chunk in ONE statement (the repositories' insertAreas, insertSites, …): a
 * statement is atomic without a transaction, and no transaction holds the database between
 * two of them; between chunks the event loop and the alarms run. The file stays all or nothing:
 * it is validated in full before the first write, and should a later chunk still fail (a
 * concurrent change), the chunks already written are deleted again, last first (a parent area is
 * in its children's chunk or an earlier one).
 */
export async function writeInChunks<T extends { id: string }> (db: Db, table: ImportTable, items: readonly T[], write: (q: Queryable, chunk: readonly T[]) => Promise<void>): Promise<void> {
  const written: string[][] = []
  let size = IMPORT_CHUNK_ROWS.first
  try {
    for (let i = 0; i < items.length;) {
      const chunk = items.slice(i, i + size)
      i += chunk.length
      const t0 = performance.now()
      await write(db, chunk)
      written.push(chunk.map((c) => c.id))
      // the next chunk sized to take IMPORT_CHUNK_MS at this one's pace, at most twice as large
      size = Math.max(IMPORT_CHUNK_ROWS.min, Math.min(IMPORT_CHUNK_ROWS.max, 2 * chunk.length, Math.round(chunk.length * IMPORT_CHUNK_MS / Math.max(performance.now() - t0, 0.1))))
      await turn()
    }
  } catch (err) {
    for (const ids of written.reverse()) await db.query(UNDO[table], [ids])
    throw err
  }
}

/**
 * Ids looked up per statement: a page of 1,000 sites with their areas held PGlite 13–18 ms
 * (planned for its parameters; the generic plan a prepared statement settles on after five runs
 * took 240–280 ms), 250 take ~4 ms.
 */
export const IDS_PER_LOOKUP = 250

/**
 * `select` over `ids` IDS_PER_LOOKUP ids per statement (inPages), planned each time
 * (`prepare: false`, above), each page's rows put into `into` as it comes: neither one statement
 * nor one turn of the event loop handles a whole 50,000-row file.
 */
async function lookUp<R, M extends Map<string, unknown> | Set<string>> (q: Queryable, sql: string, ids: readonly string[], into: M, put: (into: M, row: R) => void): Promise<M> {
  if (!ids.length) return into
  await inPages(ids, async (page) => { for (const r of (await q.query<R>(sql, [page], { prepare: false })).rows) put(into, r) }, IDS_PER_LOOKUP)
  return into
}

/** Ids of `table` among `ids` that already exist (anywhere: ids are global). */
export function takenIds (q: Queryable, table: ImportTable, ids: string[]): Promise<Set<string>> {
  return lookUp<{ id: string }, Set<string>>(q, `select id from ${table} where id = any($1)`, ids, new Set(), (s, r) => s.add(r.id))
}

/**
 * The sites among `ids` inside `scopePath`, by id. Found by their ids, each with its area's path,
 * and the scope checked here: with the scope in the statement (`join areas … where a.path like`),
 * PGlite — never analyzed: it has no autovacuum — estimated two areas in scope and read every
 * site of each, 60 ms a page of 250 sites among 50,000 (most of it alarms waiting).
 */
export function sitesInScope (q: Queryable, ids: string[], scopePath: string): Promise<Map<string, SiteRow>> {
  return lookUp<SiteRow, Map<string, SiteRow>>(q, `select s.id, s.name, s.kind, s.area_id, s.rooms, (select a.path from areas a where a.id = s.area_id) as area_path
    from sites s where s.id = any($1)`, [...new Set(ids)], new Map(), (m, r) => { if (r.area_path.startsWith(scopePath)) m.set(r.id, r) })
}

/** resident id → site id, for the residents among `ids`. */
export function residentSites (q: Queryable, ids: string[]): Promise<Map<string, string>> {
  return lookUp<{ id: string, site_id: string }, Map<string, string>>(q, 'select id, site_id from residents where id = any($1)', ids, new Map(), (m, r) => m.set(r.id, r.site_id))
}

/** hub id → site id, for the hubs among `ids`. */
export function hubSites (q: Queryable, ids: string[]): Promise<Map<string, string>> {
  return lookUp<{ id: string, site_id: string }, Map<string, string>>(q, `select id, site_id from devices where type = 'hub' and id = any($1)`, ids, new Map(), (m, r) => m.set(r.id, r.site_id))
}
