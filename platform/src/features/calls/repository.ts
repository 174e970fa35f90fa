/** The SQL of calls (migration 0013): calls, their events, and who answers by themselves. */
import type { CallDto, CallEventDto, CallStatus } from '@eldercare/protocols'
import type { Queryable } from '../../db/db.ts'

export interface CallRow {
  id: string
  direction: 'inbound' | 'outbound'
  status: CallStatus
  device_id: string
  device_call_id: string
  resident_id: string | null
  incident_id: string | null
  auto_answer: boolean
  started_by: string | null
  answered_by: string | null
  started_at: Date | string
  answered_at: Date | string | null
  ended_at: Date | string | null
  end_reason: string | null
  visit_id: string | null
  /** the area path of the device's site: who may see the call, where its news goes */
  area_path: string
}

const SELECT_CALL = `select c.*, a.path as area_path from calls c
  join devices d on d.id = c.device_id join sites s on s.id = d.site_id join areas a on a.id = s.area_id`

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString())

export class CallRepository {
  constructor (private readonly db: Queryable) {}

  /** The call, if it lies inside `scopePath` ('/' for the platform itself). */
  async get (id: string, scopePath: string, q: Queryable = this.db): Promise<CallRow | null> {
    const { rows } = await q.query<CallRow>(`${SELECT_CALL} where c.id = $1 and a.path like $2 || '%'`, [id, scopePath])
    return rows[0] ?? null
  }

  async byDeviceCall (deviceId: string, deviceCallId: string, q: Queryable = this.db): Promise<CallRow | null> {
    const { rows } = await q.query<CallRow>(`${SELECT_CALL} where c.device_id = $1 and c.device_call_id = $2`, [deviceId, deviceCallId])
    return rows[0] ?? null
  }

  async insert (q: Queryable, c: { id: string, direction: 'inbound' | 'outbound', deviceId: string, deviceCallId: string, residentId: string | null, incidentId: string | null, autoAnswer: boolean, startedBy: string | null, at: Date }): Promise<boolean> {
    const { rows } = await q.query(
      `insert into calls (id, direction, status, device_id, device_call_id, resident_id, incident_id, auto_answer, started_by, started_at)
       values ($1, $2, 'ringing', $3, $4, $5, $6, $7, $8, $9) on conflict (device_id, device_call_id) do nothing returning id`,
      [c.id, c.direction, c.deviceId, c.deviceCallId, c.residentId, c.incidentId, c.autoAnswer, c.startedBy, c.at])
    return rows.length > 0
  }

  /**
   * Moves a call on, only from the statuses given: of two platform nodes hearing the same
   * device event, exactly one makes the change (and records its event).
   */
  async transition (q: Queryable, id: string, from: CallStatus[], set: { status: CallStatus, answeredAt?: Date, endedAt?: Date, endReason?: string | null, answeredBy?: string | null }): Promise<boolean> {
    const { rows } = await q.query(
      `update calls set status = $3,
              answered_at = coalesce($4, answered_at), ended_at = coalesce($5, ended_at),
              end_reason = coalesce($6, end_reason), answered_by = coalesce($7, answered_by)
        where id = $1 and status = any($2) returning id`,
      [id, from, set.status, set.answeredAt ?? null, set.endedAt ?? null, set.endReason ?? null, set.answeredBy ?? null])
    return rows.length > 0
  }

  async update (q: Queryable, id: string, fields: { incidentId?: string, answeredBy?: string, visitId?: string }): Promise<void> {
    await q.query(`update calls set incident_id = coalesce($2, incident_id), answered_by = coalesce($3, answered_by), visit_id = coalesce($4, visit_id) where id = $1`,
      [id, fields.incidentId ?? null, fields.answeredBy ?? null, fields.visitId ?? null])
  }

  async addEvent (q: Queryable, callId: string, kind: string, at: Date, userId: string | null, data?: Record<string, unknown>): Promise<void> {
    await q.query('insert into call_events (call_id, at, kind, user_id, data) values ($1, $2, $3, $4, $5)',
      [callId, at, kind, userId, data ? JSON.stringify(data) : null])
  }

  /** Ringing calls started before `before` (nobody answered; the device may never have heard the offer). */
  async ringingSince (before: Date): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(`select id from calls where status = 'ringing' and started_at < $1`, [before])
    return rows.map((r) => r.id)
  }

  async listForResident (residentId: string, limit: number): Promise<CallDto[]> {
    const { rows } = await this.db.query<CallRow>(`${SELECT_CALL} where c.resident_id = $1 order by c.started_at desc limit $2`, [residentId, limit])
    return Promise.all(rows.map((r) => this.dto(r)))
  }

  async dto (r: CallRow, q: Queryable = this.db): Promise<CallDto> {
    const { rows } = await q.query<{ at: Date | string, kind: string, username: string | null, data: Record<string, unknown> | null }>(
      'select e.at, e.kind, u.username, e.data from call_events e left join users u on u.id = e.user_id where e.call_id = $1 order by e.seq', [r.id])
    const events: CallEventDto[] = rows.map((e) => ({ at: iso(e.at)!, kind: e.kind, by: e.username, ...(e.data ? { data: e.data } : {}) }))
    const names = await q.query<{ id: string, username: string }>('select id, username from users where id = any($1)', [[r.started_by, r.answered_by].filter(Boolean)])
    const name = (id: string | null) => (id ? names.rows.find((u) => u.id === id)?.username ?? null : null)
    const answered = r.answered_at ? new Date(r.answered_at).getTime() : null
    const ended = r.ended_at ? new Date(r.ended_at).getTime() : null
    return {
      id: r.id, direction: r.direction, status: r.status, residentId: r.resident_id, deviceId: r.device_id, incidentId: r.incident_id,
      autoAnswer: r.auto_answer, startedBy: name(r.started_by), answeredBy: name(r.answered_by),
      startedAt: iso(r.started_at)!, answeredAt: iso(r.answered_at), endedAt: iso(r.ended_at),
      durationS: answered !== null && ended !== null ? Math.max(0, Math.round((ended - answered) / 1000)) : null,
      visitId: r.visit_id, events
    }
  }

  // ── residents and their intercoms ──────────────────────────────────────

  async residentInScope (id: string, scopePath: string): Promise<{ id: string, name: string, site_id: string, area_id: string, area_path: string } | null> {
    const { rows } = await this.db.query<{ id: string, name: string, site_id: string, area_id: string, area_path: string }>(
      `select r.id, r.name, r.site_id, s.area_id, a.path as area_path from residents r join sites s on s.id = r.site_id join areas a on a.id = s.area_id
        where r.id = $1 and a.path like $2 || '%'`, [id, scopePath])
    return rows[0] ?? null
  }

  /** The resident's intercom: the one given, else theirs, else the site's shared one; online first. */
  async intercomFor (residentId: string, deviceId?: string): Promise<{ id: string, online: boolean } | null> {
    const { rows } = await this.db.query<{ id: string, online: boolean }>(
      `select d.id, d.online from devices d join residents r on r.id = $1
        where d.type = 'intercom' and (d.resident_id = r.id or (d.resident_id is null and d.site_id = r.site_id))
          and ($2::text is null or d.id = $2)
        order by (d.resident_id is not null) desc, d.online desc, d.id limit 1`, [residentId, deviceId ?? null])
    return rows[0] ?? null
  }

  /** Whom a device's call concerns: its resident, else the only resident of its site. */
  async residentOfDevice (deviceId: string, q: Queryable = this.db): Promise<string | null> {
    const { rows } = await q.query<{ resident_id: string | null, only: string | null }>(
      `select d.resident_id, (select case when count(*) = 1 then min(r.id) end from residents r where r.site_id = d.site_id) as only
         from devices d where d.id = $1`, [deviceId])
    return rows[0] ? rows[0].resident_id ?? rows[0].only : null
  }

  async autoAnswer (residentId: string): Promise<boolean> {
    const { rows } = await this.db.query<{ auto_answer: boolean }>('select auto_answer from call_settings where resident_id = $1', [residentId])
    return rows[0]?.auto_answer ?? false
  }

  async setAutoAnswer (q: Queryable, residentId: string, autoAnswer: boolean, userId: string): Promise<void> {
    await q.query(`insert into call_settings (resident_id, auto_answer, updated_by, updated_at) values ($1, $2, $3, now())
                   on conflict (resident_id) do update set auto_answer = $2, updated_by = $3, updated_at = now()`, [residentId, autoAnswer, userId])
  }

  /** The intercom call request on an incident's timeline (the elder pressed the call button). */
  async callRequestOf (incidentId: string): Promise<{ deviceId: string, callId: string, at: Date | string } | null> {
    const { rows } = await this.db.query<{ device_id: string, call_id: string, at: Date | string }>(
      `select data->>'deviceId' as device_id, data->>'callId' as call_id, at from incident_timeline
        where incident_id = $1 and kind = 'intercom_call_request' order by at desc limit 1`, [incidentId])
    return rows[0] ? { deviceId: rows[0].device_id, callId: rows[0].call_id, at: rows[0].at } : null
  }

  /** An intercom event from the inbox [P-3.3], with the incident it joined, if any. */
  async inboxIntercom (deviceId: string, msgId: string): Promise<{ callId: string, receivedAt: Date | string, incidentId: string | null } | null> {
    const { rows } = await this.db.query<{ call_id: string, received_at: Date | string }>(
      `select payload->>'callId' as call_id, received_at from inbox where device_id = $1 and msg_id = $2 and kind = 'intercom'`, [deviceId, msgId])
    if (!rows[0]) return null
    const req = await this.db.query<{ incident_id: string | null }>(
      `select incident_id from inbox where device_id = $1 and kind = 'intercom' and type = 'call_request' and payload->>'callId' = $2 and incident_id is not null limit 1`,
      [deviceId, rows[0].call_id])
    return { callId: rows[0].call_id, receivedAt: rows[0].received_at, incidentId: req.rows[0]?.incident_id ?? null }
  }
}
