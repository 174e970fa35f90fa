/**
 * The SQL of CSV imports (the routes in imports.ts parse, validate, authorise and answer): the
 * look-ups that check a whole file's references at once, and the chunked all-or-nothing write.
 * Single rows are written by each resource's repository (insertArea, insertSite, …).
 */
import type { Db, Queryable } from '../../db/db.ts'
import type { SiteRow } from './scope.ts'

/** Rows written per transaction: the embedded database has one connection, so an alarm's inbox write waits at most one chunk. */
export const IMPORT_CHUNK_ROWS = 250

export type ImportTable = 'areas' | 'sites' | 'residents' | 'devices'

/**
 * Writes validated rows in bounded transactions (issue 13): a 50,000-row file in one
 * transaction would hold the embedded database — and with it every alarm's inbox write, which
 * gates the PUBACK [P-4.1] — for seconds. Between chunks the event loop and the alarms run. The
 * file stays all or nothing: it is validated in full before the first write, and should a later
 * chunk still fail (a concurrent change), the rows already written are deleted again.
 */
export async function writeInChunks<T extends { id: string }> (db: Db, table: 'residents' | 'devices', items: T[], write: (tx: Queryable, item: T) => Promise<void>): Promise<void> {
  const written: string[] = []
  try {
    for (let i = 0; i < items.length; i += IMPORT_CHUNK_ROWS) {
      const chunk = items.slice(i, i + IMPORT_CHUNK_ROWS)
      await db.transaction(async (tx) => { for (const it of chunk) await write(tx, it) })
      written.push(...chunk.map((c) => c.id))
      await new Promise((resolve) => setImmediate(resolve))
    }
  } catch (err) {
    if (written.length) await db.query(`delete from ${table} where id = any($1)`, [written])
    throw err
  }
}

/** Ids of `table` among `ids` that already exist (anywhere: ids are global). */
export async function takenIds (q: Queryable, table: ImportTable, ids: string[]): Promise<Set<string>> {
  if (!ids.length) return new Set()
  const { rows } = await q.query<{ id: string }>(`select id from ${table} where id = any($1)`, [ids])
  return new Set(rows.map((r) => r.id))
}

/** The sites among `ids` inside `scopePath`, by id. */
export async function sitesInScope (q: Queryable, ids: string[], scopePath: string): Promise<Map<string, SiteRow>> {
  const { rows } = await q.query<SiteRow>(`select s.id, s.name, s.kind, s.area_id, s.rooms, a.path as area_path from sites s join areas a on a.id = s.area_id
    where s.id = any($1) and a.path like $2 || '%'`, [[...new Set(ids)], scopePath])
  return new Map(rows.map((r) => [r.id, r]))
}

/** resident id → site id, for the residents among `ids`. */
export async function residentSites (q: Queryable, ids: string[]): Promise<Map<string, string>> {
  const { rows } = await q.query<{ id: string, site_id: string }>('select id, site_id from residents where id = any($1)', [ids])
  return new Map(rows.map((r) => [r.id, r.site_id]))
}

/** hub id → site id, for the hubs among `ids`. */
export async function hubSites (q: Queryable, ids: string[]): Promise<Map<string, string>> {
  const { rows } = await q.query<{ id: string, site_id: string }>(`select id, site_id from devices where type = 'hub' and id = any($1)`, [ids])
  return new Map(rows.map((r) => [r.id, r.site_id]))
}
