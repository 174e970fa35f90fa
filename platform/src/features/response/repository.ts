/**
 * The response routes' SQL: responders (register, read, change), an incident's offers, and the
 * site's intercom for an incident. The offer cascade itself is dispatch.ts's.
 */
import { randomUUID } from 'node:crypto'
import type { Queryable } from '../../db/db.ts'
import { errors } from '../../errors.ts'
import { iso } from '../commands/service.ts'
import { RESPONDER_SELECT, responderDto, type ResponderDto } from './dispatch.ts'

export interface ResponderInput { name: string, kind: string, areaId: string, phone: string, onDuty?: boolean, geo?: { lat: number, lng: number } }
export interface ResponderChange { name?: string, phone?: string, onDuty?: boolean, disabled?: boolean, geo?: { lat: number, lng: number } | null }

export async function getResponder (q: Queryable, id: string, scopePath: string): Promise<ResponderDto> {
  const { rows } = await q.query<Record<string, any>>(`${RESPONDER_SELECT} where rp.id = $1 and a.path like $2 || '%'`, [id, scopePath])
  if (!rows[0]) throw errors.NOT_FOUND('responder')
  return responderDto(rows[0])
}

export async function listResponders (q: Queryable, scopePath: string): Promise<ResponderDto[]> {
  const { rows } = await q.query<Record<string, any>>(`${RESPONDER_SELECT} where a.path like $1 || '%' and not rp.disabled order by rp.name`, [scopePath])
  return rows.map(responderDto)
}

/** Registers a responder in an area inside the caller's scope; returns the new id. */
export async function createResponder (q: Queryable, b: ResponderInput, scopePath: string): Promise<string> {
  const { rows: area } = await q.query<{ path: string }>("select path from areas where id = $1 and path like $2 || '%'", [b.areaId, scopePath])
  // Outside the caller's area is unknown to them: 404, as for every record (issue 13).
  if (!area[0]) throw errors.NOT_FOUND('area')
  const id = randomUUID()
  await q.query('insert into responders (id, name, kind, area_id, phone, on_duty, lat, lng) values ($1, $2, $3, $4, $5, $6, $7, $8)',
    [id, b.name, b.kind, b.areaId, b.phone, b.onDuty ?? true, b.geo?.lat ?? null, b.geo?.lng ?? null])
  return id
}

export async function updateResponder (q: Queryable, id: string, b: ResponderChange): Promise<void> {
  const sets: string[] = []
  const params: unknown[] = [id]
  const set = (col: string, v: unknown) => { params.push(v); sets.push(`${col} = $${params.length}`) }
  if (b.name !== undefined) set('name', b.name)
  if (b.phone !== undefined) set('phone', b.phone)
  if (b.onDuty !== undefined) set('on_duty', b.onDuty)
  if (b.disabled !== undefined) set('disabled', b.disabled)
  if (b.geo !== undefined) { set('lat', b.geo?.lat ?? null); set('lng', b.geo?.lng ?? null) }
  await q.query(`update responders set ${sets.join(', ')} where id = $1`, params)
}

/** The dispatch cascade of an incident: every offer and its answer, oldest first. */
export async function offersOf (q: Queryable, incidentId: string) {
  const { rows } = await q.query<Record<string, any>>(
    `select o.*, rp.name as responder_name from dispatch_offers o join responders rp on rp.id = o.responder_id
      where o.incident_id = $1 order by o.offered_at`, [incidentId])
  return rows.map((o) => ({
    id: o.id, responderId: o.responder_id, responderName: o.responder_name, status: o.status, offeredAt: iso(o.offered_at), dueAt: iso(o.due_at),
    respondedAt: iso(o.responded_at), arrivedAt: iso(o.arrived_at), departedAt: iso(o.departed_at), offeredBy: o.offered_by
  }))
}

/** An accepted responder who cannot go after all: the operator withdraws them. */
export async function withdrawOffer (q: Queryable, offerId: string): Promise<void> {
  await q.query("update dispatch_offers set status = 'withdrawn', responded_at = now() where id = $1", [offerId])
}

/**
 * The intercom to talk through for an incident (the alarm's own device first, then the
 * resident's) and the call id of its latest call request, if any.
 */
export async function intercomFor (q: Queryable, inc: { id: string, siteId: string, deviceId: string | null, residentId: string | null }): Promise<{ deviceId: string, callId: string | null }> {
  const { rows } = await q.query<{ id: string }>(
    `select id from devices where site_id = $1 and type = 'intercom' order by (id = $2) desc, (resident_id = $3) desc nulls last limit 1`,
    [inc.siteId, inc.deviceId, inc.residentId])
  if (!rows[0]) throw errors.NOT_FOUND('intercom at this site')
  const { rows: calls } = await q.query<{ call_id: string | null }>(
    `select payload->>'callId' as call_id from inbox where incident_id = $1 and kind = 'intercom' and type = 'call_request' order by seq desc limit 1`, [inc.id])
  return { deviceId: rows[0].id, callId: calls[0]?.call_id ?? null }
}
