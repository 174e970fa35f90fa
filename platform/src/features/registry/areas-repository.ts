/**
 * The SQL of areas (the routes in areas.ts validate, authorise and answer): the tree, its
 * history, and moves that rewrite a subtree's materialised paths. Scope lookups are scope.ts'.
 */
import type { AreaLevel } from '@eldercare/protocols'
import { insertValues, type Queryable, type QueryOptions } from '../../db/db.ts'
import type { AreaRow } from './scope.ts'

export interface NewArea { id: string, name: string, level: AreaLevel, parentId: string | null, path: string }

/** One area and its 'create' history row (`insertAreas` of one). */
export async function insertArea (tx: Queryable, a: NewArea, changedBy: string): Promise<void> {
  await insertAreas(tx, [a], changedBy)
}

/**
 * Areas and their 'create' history rows in one statement (a parent in the same call is listed
 * before its children: foreign keys are checked at the statement's end). `opts.prepare: false`
 * for a bulk import's statements, whose texts vary with the rows.
 */
export async function insertAreas (q: Queryable, areas: readonly NewArea[], changedBy: string, opts?: QueryOptions): Promise<void> {
  const ins = insertValues('areas', areas.map((a) => ({ id: a.id, name: a.name, level: a.level, parent_id: a.parentId, path: a.path })), [changedBy])
  await q.query(`with r as (${ins.sql} returning id, name, parent_id, path)
    insert into area_history (area_id, change, name, parent_id, path, changed_by) select id, 'create', name, parent_id, path, $1 from r`, ins.params, opts)
}

/** The installation's root area (the first administrator's city), or null before the first start. */
export async function rootArea (q: Queryable): Promise<{ name: string } | null> {
  const { rows } = await q.query<{ name: string }>('select name from areas where parent_id is null order by created_at limit 1')
  return rows[0] ?? null
}

/** Every area under `scopePath`, in tree order. */
export async function listAreas (q: Queryable, scopePath: string): Promise<AreaRow[]> {
  const { rows } = await q.query<AreaRow>(`select id, name, level, parent_id, path from areas where path like $1 || '%' order by path`, [scopePath])
  return rows
}

export async function areaHistory (q: Queryable, areaId: string): Promise<Array<Record<string, any>>> {
  const { rows } = await q.query<Record<string, any>>('select at, change, name, parent_id, changed_by from area_history where area_id = $1 order by id', [areaId])
  return rows
}

/** Areas (with their levels and paths) among `ids` inside `scopePath`. */
export async function areasInScope (q: Queryable, ids: string[], scopePath: string): Promise<Array<{ id: string, level: AreaLevel, path: string }>> {
  const { rows } = await q.query<{ id: string, level: AreaLevel, path: string }>(`select id, level, path from areas where id = any($1) and path like $2 || '%'`, [ids, scopePath])
  return rows
}

/**
 * Moves `area` under `parentId` at `path`: one statement rewrites every descendant's path prefix
 * (call inside a transaction, which keeps it atomic), then the history row.
 */
export async function moveArea (tx: Queryable, area: AreaRow, to: { parentId: string, path: string, name: string }, changedBy: string): Promise<void> {
  await tx.query(`update areas set path = $1 || substr(path, length($2) + 1) where path like $2 || '%'`, [to.path, area.path])
  await tx.query('update areas set parent_id = $2 where id = $1', [area.id, to.parentId])
  await tx.query(`insert into area_history (area_id, change, name, parent_id, path, changed_by) values ($1, 'move', $2, $3, $4, $5)`, [area.id, to.name, to.parentId, to.path, changedBy])
}

export async function renameArea (tx: Queryable, a: { id: string, name: string, parentId: string | null, path: string }, changedBy: string): Promise<void> {
  await tx.query('update areas set name = $2 where id = $1', [a.id, a.name])
  await tx.query(`insert into area_history (area_id, change, name, parent_id, path, changed_by) values ($1, 'rename', $2, $3, $4, $5)`, [a.id, a.name, a.parentId, a.path, changedBy])
}
