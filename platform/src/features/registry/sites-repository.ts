/**
 * The SQL of sites (the routes in sites.ts validate, authorise and answer): a home or an
 * institution under a community, its family-care-bed registration, and its history.
 */
import { insertValues, listByIds, type Queryable, type QueryOptions } from '../../db/db.ts'

export interface SiteInput {
  id: string, name: string, kind: string, areaId: string, address?: string | null, geo?: { lat: number, lng: number } | null
  rooms?: Array<{ room: string, beds?: string[] }>
  familyBed?: FamilyBedInput | null
}
export interface FamilyBedInput { type: string, provider: string, since: string, until?: string | null }

/** One site and its 'create' history row (`insertSites` of one). */
export async function insertSite (tx: Queryable, s: SiteInput, changedBy: string): Promise<void> {
  await insertSites(tx, [s], changedBy)
}

/** Sites and their 'create' history rows in one statement (`opts.prepare: false` for a bulk import's). */
export async function insertSites (q: Queryable, sites: readonly SiteInput[], changedBy: string, opts?: QueryOptions): Promise<void> {
  const ins = insertValues('sites', sites.map((s) => {
    const bed = s.familyBed ?? null
    return {
      id: s.id, name: s.name, kind: s.kind, area_id: s.areaId, address: s.address ?? null, lat: s.geo?.lat ?? null, lng: s.geo?.lng ?? null, rooms: JSON.stringify(s.rooms ?? []),
      family_bed_type: bed?.type ?? null, family_bed_provider: bed?.provider ?? null, family_bed_since: bed?.since ?? null, family_bed_until: bed?.until ?? null
    }
  }), [changedBy])
  await q.query(`with r as (${ins.sql} returning id, name, area_id, address)
    insert into site_history (site_id, change, name, area_id, address, changed_by) select id, 'create', name, area_id, address, $1 from r`, ins.params, opts)
}

/** Sites under `scopePath`, by name then id (at most 5000). */
export async function listSites (q: Queryable, scopePath: string): Promise<Array<Record<string, any>>> {
  // the ids in order (one narrow statement), then the rows a page per statement
  return listByIds(q, `select s.id from sites s join areas a on a.id = s.area_id where a.path like $1 || '%' order by s.name, s.id limit 5000`, [scopePath],
    'select s.* from sites s where s.id = any($1)')
}

/** The site's row, all columns (its scope checked by the caller). */
export async function getSite (q: Queryable, id: string): Promise<Record<string, any>> {
  const { rows } = await q.query('select * from sites where id = $1', [id])
  return rows[0]
}

export async function siteHistory (q: Queryable, siteId: string): Promise<Array<Record<string, any>>> {
  const { rows } = await q.query<Record<string, any>>('select at, change, name, area_id, address, changed_by from site_history where site_id = $1 order by id', [siteId])
  return rows
}

/** Sets (or with null clears) the site's family-care-bed registration. */
export async function setFamilyBed (tx: Queryable, siteId: string, bed: FamilyBedInput | null): Promise<void> {
  await tx.query('update sites set family_bed_type = $2, family_bed_provider = $3, family_bed_since = $4, family_bed_until = $5 where id = $1',
    [siteId, bed?.type ?? null, bed?.provider ?? null, bed?.since ?? null, bed?.until ?? null])
}

export interface SiteChange { name?: string, areaId?: string, address?: string, geo?: { lat: number, lng: number }, rooms?: Array<{ room: string, beds?: string[] }> }

/**
 * Applies the given fields (absent ones stay) and writes the history row (`move` when the
 * community changed, else `update`); returns the site's row after the change.
 */
export async function updateSite (tx: Queryable, before: { id: string, area_id: string }, b: SiteChange, changedBy: string): Promise<Record<string, any>> {
  const { rows } = await tx.query<Record<string, any>>(
    `update sites set name = coalesce($2, name), area_id = coalesce($3, area_id), address = coalesce($4, address),
            lat = coalesce($5, lat), lng = coalesce($6, lng), rooms = coalesce($7, rooms), updated_at = now()
      where id = $1 returning *`,
    [before.id, b.name ?? null, b.areaId ?? null, b.address ?? null, b.geo?.lat ?? null, b.geo?.lng ?? null, b.rooms ? JSON.stringify(b.rooms) : null])
  const after = rows[0]
  await tx.query('insert into site_history (site_id, change, name, area_id, address, changed_by) values ($1, $2, $3, $4, $5, $6)',
    [after.id, after.area_id !== before.area_id ? 'move' : 'update', after.name, after.area_id, after.address, changedBy])
  return after
}
