/**
 * The SQL of devices (the routes in devices.ts validate, authorise, issue secrets and answer):
 * registration with the secret's hash only [P-1.2], moves, secret rotation, and the links a
 * device may have (its resident, its hub) at one site.
 */
import { hashDeviceSecret } from '@eldercare/common'
import { insertValues, listByIds, type Queryable, type QueryOptions } from '../../db/db.ts'

export interface NewDevice { id: string, type: string, siteId: string, residentId?: string | null, parentId?: string | null }

/** [P-1.2] Stores the device with its secret's hash; the secret itself is never stored. */
export async function insertDevice (tx: Queryable, d: NewDevice, secret: string): Promise<void> {
  await insertDevices(tx, [{ ...d, secret }])
}

/** [P-1.2] Devices with their secrets' hashes, in one statement (`opts.prepare: false` for a bulk import's). */
export async function insertDevices (q: Queryable, devices: ReadonlyArray<NewDevice & { secret: string }>, opts?: QueryOptions): Promise<void> {
  const ins = insertValues('devices', devices.map((d) => ({ id: d.id, type: d.type, site_id: d.siteId, resident_id: d.residentId ?? null, parent_id: d.parentId ?? null, secret_hash: hashDeviceSecret(d.secret) })))
  await q.query(ins.sql, ins.params, opts)
}

/** The device's row inside `scopePath`, or null. */
export async function deviceInScopeRow (q: Queryable, id: string, scopePath: string): Promise<Record<string, any> | null> {
  const { rows } = await q.query<Record<string, any>>(
    `select d.* from devices d join sites s on s.id = d.site_id join areas a on a.id = s.area_id where d.id = $1 and a.path like $2 || '%'`, [id, scopePath])
  return rows[0] ?? null
}

/** Devices under `scopePath`, by id (at most 10000); the filters narrow the scope, never widen it. */
export async function listDevices (q: Queryable, scopePath: string, f: { siteId?: string, residentId?: string }): Promise<Array<Record<string, any>>> {
  // the ids in order (one narrow statement), then the rows a page per statement
  return listByIds(q, `select d.id from devices d join sites s on s.id = d.site_id join areas a on a.id = s.area_id
      where a.path like $1 || '%' and ($2::text is null or d.site_id = $2) and ($3::text is null or d.resident_id = $3)
      order by d.id limit 10000`, [scopePath, f.siteId ?? null, f.residentId ?? null], 'select d.* from devices d where d.id = any($1)')
}

/** Whether the resident lives at the site. */
export async function residentAtSite (q: Queryable, residentId: string, siteId: string): Promise<boolean> {
  const r = await q.query('select 1 from residents where id = $1 and site_id = $2', [residentId, siteId])
  return r.rows.length > 0
}

/** The type of the device `id` at the site, or null when there is none there. */
export async function deviceTypeAtSite (q: Queryable, id: string, siteId: string): Promise<string | null> {
  const r = await q.query<{ type: string }>('select type from devices where id = $1 and site_id = $2', [id, siteId])
  return r.rows[0]?.type ?? null
}

/** Moves the device to a site, resident and hub; returns its row after the move. */
export async function moveDevice (tx: Queryable, id: string, to: { siteId: string, residentId: string | null, parentId: string | null }): Promise<Record<string, any>> {
  const { rows } = await tx.query<Record<string, any>>('update devices set site_id = $2, resident_id = $3, parent_id = $4 where id = $1 returning *', [id, to.siteId, to.residentId, to.parentId])
  return rows[0]
}

/** [P-1.2] Replaces the device's secret hash: the old secret stops working. */
export async function setDeviceSecret (tx: Queryable, id: string, secret: string): Promise<void> {
  await tx.query('update devices set secret_hash = $2 where id = $1', [id, hashDeviceSecret(secret)])
}
