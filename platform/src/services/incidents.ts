import { randomUUID } from 'node:crypto'
import {
  DEFAULT_ACK_DEADLINE_MS, OUTCOMES, defaultPriority, nextStatus,
  type IncidentAction, type IncidentDetailDto, type IncidentDto, type IncidentStatus, type Priority, type TimelineEntryDto
} from '@eldercare/protocols'
import type { Db, Queryable } from '../db/db.ts'
import { badRequest, conflict, notFound } from '../errors.ts'
import { iso } from './commands.ts'

const SELECT = `
  select i.*, r.name as resident_name, s.name as site_name, a.name as area_name, a.path as area_path
    from incidents i
    join sites s on s.id = i.site_id
    join areas a on a.id = i.area_id
    left join residents r on r.id = i.resident_id`

export interface IncidentRow extends IncidentDto { areaPath: string }

function toDto (r: Record<string, any>): IncidentRow {
  return {
    id: r.id,
    type: r.type,
    priority: r.priority,
    status: r.status,
    residentId: r.resident_id,
    residentName: r.resident_name,
    siteId: r.site_id,
    siteName: r.site_name,
    areaId: r.area_id,
    areaName: r.area_name,
    deviceId: r.device_id,
    alarmCount: Number(r.alarm_count),
    openedAt: iso(r.opened_at)!,
    acknowledgedAt: iso(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by,
    resolvedAt: iso(r.resolved_at),
    ackDueAt: iso(r.ack_due_at),
    outcome: r.outcome,
    updatedAt: iso(r.updated_at)!,
    areaPath: r.area_path
  }
}

/** The REST/socket shape: the area path is internal routing data. */
export function publicDto ({ areaPath: _p, ...dto }: IncidentRow): IncidentDto {
  return dto
}

export type ListFilter = 'open' | 'active' | 'closed' | 'all'

export interface Actor { id: string | null, name: string | null }

export interface AlarmInput {
  type: string
  siteId: string
  areaId: string
  residentId: string | null
  deviceId: string | null
  at: Date
  /** inbox row that raised it */
  source: { deviceId: string, msgId: string, kind: string, payload: unknown }
}

/** Reads and changes incidents; the state machine itself lives in protocols/ (`nextStatus`). */
export class IncidentService {
  constructor (private readonly db: Db, private readonly now: () => number = Date.now) {}

  async get (id: string, scopePath: string, q: Queryable = this.db): Promise<IncidentRow> {
    const { rows } = await q.query(`${SELECT} where i.id = $1 and a.path like $2 || '%'`, [id, scopePath])
    if (!rows[0]) throw notFound('incident') // outside the caller's area: 404, never the record
    return toDto(rows[0])
  }

  async detail (id: string, scopePath: string): Promise<IncidentDetailDto> {
    const inc = await this.get(id, scopePath)
    const { rows } = await this.db.query<Record<string, any>>(
      'select at, kind, actor_name, text, data from incident_timeline where incident_id = $1 order by id', [id])
    const timeline: TimelineEntryDto[] = rows.map((r) => ({ at: iso(r.at)!, kind: r.kind, actor: r.actor_name, text: r.text, data: r.data }))
    return { ...publicDto(inc), timeline }
  }

  async list (scopePath: string, filter: ListFilter, areaId?: string, limit = 500): Promise<IncidentRow[]> {
    const where = ["a.path like $1 || '%'"]
    const params: unknown[] = [scopePath]
    if (filter === 'open') where.push("i.status = 'open'")
    if (filter === 'active') where.push("i.status not in ('resolved', 'closed_false_alarm')")
    if (filter === 'closed') where.push("i.status in ('resolved', 'closed_false_alarm')")
    if (areaId) {
      params.push(areaId)
      where.push(`a.path like '%/' || $${params.length} || '/%'`)
    }
    params.push(limit)
    const { rows } = await this.db.query(`${SELECT} where ${where.join(' and ')} order by i.opened_at desc limit $${params.length}`, params)
    return rows.map(toDto)
  }

  async addTimeline (tx: Queryable, incidentId: string, kind: string, actor: Actor | null, text: string | null, data?: Record<string, unknown>): Promise<void> {
    await tx.query(
      'insert into incident_timeline (incident_id, at, kind, actor_id, actor_name, text, data) values ($1, $2, $3, $4, $5, $6, $7)',
      [incidentId, new Date(this.now()), kind, actor?.id ?? null, actor?.name ?? null, text, data ? JSON.stringify(data) : null])
  }

  /**
   * Opens an incident for an alarm, or joins the active one of the same resident
   * (or site) and type: a repeat updates it and re-alerts, it never opens a duplicate.
   */
  async raise (tx: Queryable, alarm: AlarmInput): Promise<{ id: string, event: 'incident:opened' | 'incident:updated' }> {
    const existing = await tx.query<{ id: string }>(
      `select id from incidents
        where site_id = $1 and coalesce(resident_id, '') = coalesce($2, '') and type = $3
          and status not in ('resolved', 'closed_false_alarm')
        for update`, [alarm.siteId, alarm.residentId, alarm.type])
    const data = { deviceId: alarm.source.deviceId, msgId: alarm.source.msgId, payload: alarm.source.payload }
    if (existing.rows[0]) {
      const id = existing.rows[0].id
      await tx.query('update incidents set alarm_count = alarm_count + 1, updated_at = $2 where id = $1', [id, new Date(this.now())])
      await this.addTimeline(tx, id, 'alarm_repeated', null, null, data)
      return { id, event: 'incident:updated' }
    }
    const id = randomUUID()
    const priority: Priority = defaultPriority(alarm.type)
    const ackDue = new Date(alarm.at.getTime() + DEFAULT_ACK_DEADLINE_MS[priority])
    await tx.query(
      `insert into incidents (id, type, priority, status, resident_id, site_id, area_id, device_id, opened_at, ack_due_at, updated_at)
       values ($1, $2, $3, 'open', $4, $5, $6, $7, $8, $9, $8)`,
      [id, alarm.type, priority, alarm.residentId, alarm.siteId, alarm.areaId, alarm.deviceId, alarm.at, ackDue])
    await this.addTimeline(tx, id, 'opened', null, null, data)
    return { id, event: 'incident:opened' }
  }

  /**
   * Applies one operator action in a transaction: checks the caller's area and the
   * state machine (409 `PLT_ERR_INVALID_TRANSITION` otherwise) and records who, when and why.
   */
  async transition (
    id: string, action: IncidentAction, actor: Actor, scopePath: string,
    body: { outcome?: string, note?: string, reason?: string },
    after?: (tx: Queryable, inc: IncidentRow) => Promise<void>
  ): Promise<IncidentRow> {
    if (action === 'resolve' && !(OUTCOMES as readonly string[]).includes(body.outcome ?? '')) {
      throw badRequest(`resolve needs an outcome, one of: ${OUTCOMES.join(', ')}`)
    }
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ status: IncidentStatus }>(
        `select i.status from incidents i join areas a on a.id = i.area_id where i.id = $1 and a.path like $2 || '%' for update of i`, [id, scopePath])
      if (!rows[0]) throw notFound('incident')
      const from = rows[0].status
      const to = nextStatus(from, action)
      if (!to) throw conflict('PLT_ERR_INVALID_TRANSITION', `cannot ${action.replaceAll('_', ' ')} an incident that is ${from.replaceAll('_', ' ')}`)
      const at = new Date(this.now())
      const sets = ['status = $2', 'updated_at = $3']
      const params: unknown[] = [id, to, at]
      if (action === 'acknowledge') {
        params.push(actor.name)
        sets.push('acknowledged_at = $3', `acknowledged_by = $${params.length}`)
      }
      if (to === 'resolved' || to === 'closed_false_alarm') {
        params.push(actor.name, to === 'resolved' ? body.outcome : (body.outcome ?? 'false_alarm_device'))
        sets.push('resolved_at = $3', `resolved_by = $${params.length - 1}`, `outcome = $${params.length}`)
      }
      await tx.query(`update incidents set ${sets.join(', ')} where id = $1`, params)
      await this.addTimeline(tx, id, action, actor, body.note ?? body.reason ?? null, { from, to, ...(body.outcome ? { outcome: body.outcome } : {}) })
      const inc = await this.get(id, scopePath, tx)
      if (after) await after(tx, inc)
      return inc
    })
  }

  async note (id: string, actor: Actor, scopePath: string, text: string): Promise<IncidentRow> {
    return this.db.transaction(async (tx) => {
      await this.get(id, scopePath, tx)
      await tx.query('update incidents set updated_at = $2 where id = $1', [id, new Date(this.now())])
      await this.addTimeline(tx, id, 'note', actor, text)
      return this.get(id, scopePath, tx)
    })
  }
}
