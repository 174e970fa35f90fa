/** MQTT observer accounts' SQL: only the secret's hash is stored; a username is unique. */
import { randomUUID } from 'node:crypto'
import { OBSERVER_PREFIX } from '@eldercare/protocols'
import type { Queryable } from '../../db/db.ts'
import { errors } from '../../errors.ts'
import { iso } from '../commands/service.ts'

const observerDto = (r: Record<string, any>) => ({
  id: r.id, username: r.username, mqttUsername: `${OBSERVER_PREFIX}${r.username}`, areaId: r.area_id,
  createdAt: iso(r.created_at), disabled: r.disabled
})
export type ObserverDto = ReturnType<typeof observerDto>

/** Creates an observer of an area inside the caller's scope; 404 for an area outside it, 409 for a taken username. */
export async function createObserver (q: Queryable, username: string, areaId: string, secretHash: string, scopePath: string): Promise<ObserverDto> {
  const area = await q.query('select 1 from areas where id = $1 and path like $2 || \'%\'', [areaId, scopePath])
  if (area.rows.length === 0) throw errors.NOT_FOUND('area')
  const id = randomUUID()
  try {
    await q.query('insert into mqtt_observers (id, username, secret_hash, area_id) values ($1, $2, $3, $4)', [id, username, secretHash, areaId])
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw errors.USERNAME_TAKEN('observer username', username)
    throw err
  }
  const { rows } = await q.query<Record<string, any>>('select * from mqtt_observers where id = $1', [id])
  return observerDto(rows[0])
}

export async function listObservers (q: Queryable, scopePath: string): Promise<ObserverDto[]> {
  const { rows } = await q.query<Record<string, any>>(
    `select o.* from mqtt_observers o join areas a on a.id = o.area_id where a.path like $1 || '%' order by o.username`, [scopePath])
  return rows.map(observerDto)
}

export async function disableObserver (q: Queryable, id: string, scopePath: string): Promise<ObserverDto> {
  const { rows } = await q.query<Record<string, any>>(
    `update mqtt_observers o set disabled = true from areas a
      where o.id = $1 and a.id = o.area_id and a.path like $2 || '%' returning o.*`, [id, scopePath])
  if (!rows[0]) throw errors.NOT_FOUND('observer')
  return observerDto(rows[0])
}
