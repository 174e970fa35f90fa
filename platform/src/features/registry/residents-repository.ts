/**
 * The SQL of residents (the routes in residents.ts validate, authorise, encrypt and answer).
 * Columns arrive already mapped and encrypted (residents.ts: residentColumns).
 */
import { insertValues, listByIds, type Queryable, type QueryOptions } from '../../db/db.ts'
import { FLAGGED_SQL } from './stats.ts'
import { SqlFilter } from './scope.ts'

export async function insertResident (tx: Queryable, id: string, cols: Record<string, unknown>): Promise<void> {
  await insertResidents(tx, [{ id, ...cols }])
}

/** Residents in one statement, each `{id, ...columns}` (columns from residentColumns; `opts.prepare: false` for a bulk import's). */
export async function insertResidents (q: Queryable, rows: ReadonlyArray<Record<string, unknown> & { id: string }>, opts?: QueryOptions): Promise<void> {
  const ins = insertValues('residents', rows)
  await q.query(ins.sql, ins.params, opts)
}

/** Sets the given columns of one resident (column names come from residentColumns, never from input). */
export async function updateResident (tx: Queryable, id: string, cols: Record<string, unknown>): Promise<void> {
  const sets = Object.keys(cols).map((k, i) => `${k} = $${i + 2}`)
  await tx.query(`update residents set ${sets.join(', ')} where id = $1`, [id, ...Object.values(cols)])
}

export interface ResidentListFilter { areaId?: string, siteId?: string, flagged?: boolean, q?: string, limit?: number }

/** Residents under `scopePath` (with their site's name), by name; filters narrow the scope, never widen it. */
export async function listResidents (q: Queryable, scopePath: string, filter: ResidentListFilter): Promise<Array<Record<string, any>>> {
  const f = new SqlFilter([`a.path like $1 || '%'`], [scopePath])
  if (filter.areaId) f.add(`a.path like '%/' || ? || '/%'`, filter.areaId)
  if (filter.siteId) f.add('r.site_id = ?', filter.siteId)
  if (filter.q) f.add(`r.name like '%' || ? || '%'`, filter.q)
  if (filter.flagged) f.where.push(FLAGGED_SQL)
  const limit = f.param(filter.limit ?? 5000)
  // the ids in order (one narrow statement), then the rows a page per statement
  return listByIds(q, `select r.id from residents r join sites s on s.id = r.site_id join areas a on a.id = s.area_id
    where ${f.sql} order by r.name, r.id limit ${limit}`, f.params, 'select r.*, s.name as site_name from residents r join sites s on s.id = r.site_id where r.id = any($1)')
}
