import { randomUUID } from 'node:crypto'
import { ITEMS_PER_TURN, jsonColumn, mapInTurns } from '@eldercare/common'
import {
  OUTCOMES, alarmPriority, compatibleAlarms, lowerPriority, mostUrgent, nextEscalation, nextStatus,
  type IncidentAction, type IncidentDetailDto, type IncidentPositionDto, type IncidentDto, type IncidentStatus, type Priority, type Severity, type TimelineEntryDto
} from '@eldercare/protocols'
import { inTransaction, listByIds, type Db, type Queryable } from '../../db/db.ts'
import { errors } from '../../errors.ts'
import { iso } from '../commands/service.ts'
import { DEFAULT_RESPONSE_POLICY, PolicyStore, type ResponsePolicy } from '../response/policy.ts'
import { distanceTarget, metresFrom } from '../positions/distance.ts'

// The responder shown is the latest offer still in play (offered, accepted, arrived).
// `from` is the relation the incident rows come from: the table, or a statement's own `returning`.
const selectFrom = (from: string): string => `
  select i.*, r.name as resident_name, s.name as site_name, a.name as area_name, a.path as area_path,
         o.responder_id as offer_responder_id, o.status as offer_status, rp.name as offer_responder_name,
         rp.lat as offer_responder_lat, rp.lng as offer_responder_lng, s.lat as site_lat, s.lng as site_lng
    from ${from} i
    join sites s on s.id = i.site_id
    join areas a on a.id = i.area_id
    left join residents r on r.id = i.resident_id
    left join lateral (select responder_id, status from dispatch_offers
                        where incident_id = i.id and status in ('offered', 'accepted', 'arrived')
                        order by offered_at desc limit 1) o on true
    left join responders rp on rp.id = o.responder_id`
const SELECT = selectFrom('incidents')

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
    dispatchedAt: iso(r.dispatched_at),
    onSceneAt: iso(r.on_scene_at),
    onSceneDueAt: iso(r.on_scene_due_at),
    ackBreached: r.ack_breached === true,
    onSceneBreached: r.on_scene_breached === true,
    cancelled: r.cancelled_at != null,
    cancelledAt: iso(r.cancelled_at),
    escalationLevel: Number(r.escalations ?? 0),
    position: r.position ? jsonColumn(r.position) : null,
    responder: r.offer_responder_id ? responderOnIncident(r) : null,
    areaPath: r.area_path
  }
}

/** The responder now on the incident, with how far their base is from the person (the candidates' rule). */
function responderOnIncident (r: Record<string, any>): NonNullable<IncidentDto['responder']> {
  const target = distanceTarget(r.position, { lat: r.site_lat, lng: r.site_lng })
  const base = { lat: r.offer_responder_lat == null ? null : Number(r.offer_responder_lat), lng: r.offer_responder_lng == null ? null : Number(r.offer_responder_lng) }
  return { id: r.offer_responder_id, name: r.offer_responder_name, offerStatus: r.offer_status, ...base, distanceM: metresFrom(target, base), distanceFrom: target.from }
}

/** The REST/socket shape: the area path is internal routing data. */
export function publicDto ({ areaPath: _p, ...dto }: IncidentRow, reAlert?: IncidentDto['reAlert']): IncidentDto {
  return reAlert ? { ...dto, reAlert } : dto
}

/** What an operator's action carries: the outcome of a resolve, a note or reason, extra timeline data. */
export interface TransitionBody { outcome?: string, note?: string, reason?: string, data?: Record<string, unknown> }

export type ListFilter = 'open' | 'active' | 'closed' | 'all'

export interface Actor { id: string | null, name: string | null }

export interface AlarmInput {
  type: string
  siteId: string
  areaId: string
  /** the site's area path, when the caller read it already (the engine's claim): saves a statement */
  areaPath?: string | null
  residentId: string | null
  deviceId: string | null
  at: Date
  /** severity of a derived alarm */
  severity?: Severity | null
  livesAlone?: boolean
  capacityLevel?: number | null
  /**
   * where the person is, when known (issue 15): set on a new incident, or a fresher one on a joined
   * incident. May be a promise (the engine's read of it), so that read goes with raise's own.
   */
  position?: IncidentPositionDto | null | Promise<IncidentPositionDto | null>
  /** inbox row that raised it (`inboxSeq`: the row's seq, whose incident_id is set in the same statements) */
  source: { deviceId: string, msgId: string, kind: string, payload: unknown, inboxSeq?: string }
  /**
   * What raise would read first, read by the caller in a statement of its own transaction (the
   * engine's claim: issue 11, one round trip fewer per alarm): the policy row in force for
   * `areaPath` (null: none on the path, the defaults apply) and the site's (and resident's) active
   * incidents, newest first, already locked FOR UPDATE in this transaction.
   */
  prefetched?: { policy: ResponsePolicy | null, candidates: AlarmCandidate[] }
  /**
   * Nothing in the caller's transaction reads or refers to a new incident after this (the engine:
   * the last alarm of its site in a batch): a new incident's statements may go with the COMMIT
   * (Transaction.beforeCommit; issue 11, one round trip fewer), and `incident` is then a promise
   * of it as committed.
   */
  deferInsert?: boolean
}

/** An active incident an alarm may join (AlarmInput.prefetched). */
export interface AlarmCandidate { id: string, type: string, priority: Priority, last: Date | string }

const TIMELINE_INSERT = 'insert into incident_timeline (incident_id, at, kind, actor_id, actor_name, text, data) values ($1, $2, $3, $4, $5, $6, $7)'

/** Reads and changes incidents; the state machine itself lives in protocols/ (`nextStatus`). */
export class IncidentService {
  readonly policies: PolicyStore
  constructor (private readonly db: Db, private readonly now: () => number = Date.now, policies?: PolicyStore) {
    this.policies = policies ?? new PolicyStore(db)
  }

  async get (id: string, scopePath: string, q: Queryable = this.db): Promise<IncidentRow> {
    const { rows } = await q.query(`${SELECT} where i.id = $1 and a.path like $2 || '%'`, [id, scopePath])
    if (!rows[0]) throw errors.NOT_FOUND('incident') // outside the caller's area: 404, never the record
    return toDto(rows[0])
  }

  async detail (id: string, scopePath: string): Promise<IncidentDetailDto> {
    const inc = await this.get(id, scopePath)
    const { rows } = await this.db.query<Record<string, any>>(
      'select at, kind, actor_name, text, data from incident_timeline where incident_id = $1 order by id', [id])
    const timeline: TimelineEntryDto[] = rows.map((r) => ({ at: iso(r.at)!, kind: r.kind, actor: r.actor_name, text: r.text, data: r.data }))
    return { ...publicDto(inc), timeline }
  }

  async list (scopePath: string, filter: ListFilter, areaId?: string, limit = 500, residentId?: string): Promise<IncidentRow[]> {
    const where = ["a.path like $1 || '%'"]
    const params: unknown[] = [scopePath]
    if (filter === 'open') where.push("i.status = 'open'")
    if (filter === 'active') where.push("i.status not in ('resolved', 'closed_false_alarm')")
    if (filter === 'closed') where.push("i.status in ('resolved', 'closed_false_alarm')")
    if (areaId) {
      params.push(areaId)
      where.push(`a.path like '%/' || $${params.length} || '/%'`)
    }
    if (residentId) {
      params.push(residentId)
      where.push(`i.resident_id = $${params.length}`)
    }
    params.push(limit)
    // the ids in order (one narrow statement), then the rows a page per statement (listByIds;
    // issue 11: 5,000 incidents with their joins in one statement held PGlite's worker, and every
    // fall's insert behind it)
    const rows = await listByIds<Record<string, any> & { id: string }>(this.db, `select i.id from incidents i join areas a on a.id = i.area_id
      where ${where.join(' and ')} order by i.opened_at desc, i.id limit $${params.length}`, params, `${SELECT} where i.id = any($1)`)
    return mapInTurns(rows, toDto, ITEMS_PER_TURN)
  }

  /** Marks the incident changed (something went on its timeline), so clients re-read it. */
  async touch (tx: Queryable, id: string): Promise<void> {
    await tx.query('update incidents set updated_at = now() where id = $1', [id])
  }

  async addTimeline (tx: Queryable, incidentId: string, kind: string, actor: Actor | null, text: string | null, data?: Record<string, unknown>): Promise<void> {
    await tx.query(TIMELINE_INSERT, this.timelineParams(incidentId, kind, actor, text, data))
  }

  private timelineParams (incidentId: string, kind: string, actor: Actor | null, text: string | null, data?: Record<string, unknown>): unknown[] {
    return [incidentId, new Date(this.now()), kind, actor?.id ?? null, actor?.name ?? null, text, data ? JSON.stringify(data) : null]
  }

  /**
   * Opens an incident for an alarm, or joins the active one of the same resident (or site,
   * for site-level alarms) that it belongs to: the same type at any time, or a compatible type
   * within the correlation window. A repeat updates it and re-alerts; it never opens a duplicate.
   * A joining alarm that is more urgent raises the incident's priority.
   */
  async raise (tx: Queryable, alarm: AlarmInput): Promise<{ id: string, event: 'incident:opened' | 'incident:updated', incident: IncidentRow | Promise<IncidentRow> }> {
    // The reads issued together: on the embedded database they travel as one message (db.ts).
    // Read already (the engine's claim), only the position may be left to wait for.
    const pre = alarm.prefetched
    const [{ policy }, { rows: candidates }, position] = await Promise.all([
      pre ? { policy: pre.policy ?? DEFAULT_RESPONSE_POLICY }
        : alarm.areaPath ? this.policies.forPath(alarm.areaPath, tx) : this.policies.forSite(alarm.siteId, tx).then((policy) => ({ policy })),
      pre ? { rows: pre.candidates }
        : tx.query<AlarmCandidate>(
          `select id, type, priority, coalesce(last_alarm_at, opened_at) as last from incidents
            where site_id = $1 and coalesce(resident_id, '') = coalesce($2, '')
              and status not in ('resolved', 'closed_false_alarm')
            order by opened_at desc
            for update`, [alarm.siteId, alarm.residentId]),
      alarm.position ?? null
    ])
    const priority: Priority = alarmPriority(alarm, policy.priority)
    const windowStart = new Date(alarm.at.getTime() - policy.sla.correlationWindowMs)
    const inboxSeq = alarm.source.inboxSeq ?? null
    const join = candidates.find((c) => c.type === alarm.type) ??
      candidates.find((c) => compatibleAlarms(c.type, alarm.type) && new Date(c.last) >= windowStart)
    const data = { deviceId: alarm.source.deviceId, msgId: alarm.source.msgId, type: alarm.type, priority, payload: alarm.source.payload }
    if (join) {
      const raised = mostUrgent(join.priority, priority)
      // Nothing more to change (no position, same priority: the common repeat): the incident is read
      // with the updates, issued after them — they run in order in one message (db.ts), so the read
      // sees them (issue 11: one round trip fewer per joining alarm).
      const settled = !position && raised === join.priority
      const [,,, incident] = await Promise.all([
        tx.query('update incidents set alarm_count = alarm_count + 1, last_alarm_at = $2, updated_at = $3 where id = $1', [join.id, alarm.at, new Date(this.now())]),
        this.addTimeline(tx, join.id, 'alarm_repeated', null, null, data),
        tx.query('update inbox set incident_id = $2 where seq = $1::bigint', [inboxSeq, join.id]),
        settled ? this.get(join.id, '/', tx) : null
      ])
      if (incident) return { id: join.id, event: 'incident:updated', incident }
      if (position) {
        const moved = await tx.query(`update incidents set position = $2 where id = $1 and (position is null or (position->>'at')::timestamptz < $3)`,
          [join.id, JSON.stringify(position), position.at])
        if (moved.rowCount > 0) await this.addTimeline(tx, join.id, 'position', null, null, { position })
      }
      if (raised !== join.priority) await this.reprioritise(tx, join.id, raised, policy, 'more urgent alarm joined')
      return { id: join.id, event: 'incident:updated', incident: await this.get(join.id, '/', tx) }
    }
    const id = randomUUID()
    const ackDue = new Date(alarm.at.getTime() + policy.sla.ackDeadlineMs[priority])
    const esc = nextEscalation(policy.sla, priority, alarm.at.getTime(), 0, 'open')
    // One statement (issue 11: each is a round trip on the alarm path): the incident, its `opened`
    // entry on the timeline (as addTimeline writes it), the inbox row's link to it, and the
    // incident as announced — with the COMMIT when the caller reads nothing after it (deferInsert).
    const deferred = alarm.deferInsert === true && inTransaction(tx)
    const opened = (deferred ? tx.beforeCommit.bind(tx) : tx.query.bind(tx))(
      `with opened as (
         insert into incidents (id, type, priority, status, resident_id, site_id, area_id, device_id, opened_at, ack_due_at, updated_at, last_alarm_at, escalation_step, escalation_due_at, position)
         values ($1, $2, $3, 'open', $4, $5, $6, $7, $8, $9, $8, $8, $10, $11, $12)
         returning *),
       entry as (
         insert into incident_timeline (incident_id, at, kind, actor_id, actor_name, text, data)
         select id, $13, 'opened', null, null, null, $14 from opened),
       source as (update inbox set incident_id = $1 where seq = $15::bigint)
       ${selectFrom('opened')}`,
      [id, alarm.type, priority, alarm.residentId, alarm.siteId, alarm.areaId, alarm.deviceId, alarm.at, ackDue, esc?.step ?? 0, esc ? new Date(esc.dueAtMs) : null,
        position ? JSON.stringify(position) : null, new Date(this.now()), JSON.stringify(data), inboxSeq])
    const incident = opened.then(({ rows }) => toDto(rows[0] as Record<string, unknown>))
    // when the transaction fails its caller hears of it from the transaction: not from this promise too
    incident.catch(() => {})
    if (deferred) {
      if (position) void tx.beforeCommit(TIMELINE_INSERT, this.timelineParams(id, 'position', null, null, { position }))
      return { id, event: 'incident:opened', incident }
    }
    await opened
    if (position) await this.addTimeline(tx, id, 'position', null, null, { position })
    return { id, event: 'incident:opened', incident: await incident }
  }

  /**
   * Sets a new priority and moves the clocks with it: the acknowledgement deadline (while
   * nobody has acknowledged and it has not been breached) and the next escalation step.
   */
  async reprioritise (tx: Queryable, id: string, priority: Priority, policy: ResponsePolicy, why: string): Promise<void> {
    const { rows } = await tx.query<{ priority: Priority, status: IncidentStatus, opened_at: Date | string, escalation_step: number, ack_breached: boolean }>(
      'select priority, status, opened_at, escalation_step, ack_breached from incidents where id = $1', [id])
    const inc = rows[0]
    const openedMs = new Date(inc.opened_at).getTime()
    const esc = nextEscalation(policy.sla, priority, openedMs, inc.escalation_step, inc.status)
    const ackDue = inc.status === 'open' && !inc.ack_breached ? new Date(openedMs + policy.sla.ackDeadlineMs[priority]) : null
    await tx.query('update incidents set priority = $2, ack_due_at = coalesce($3, ack_due_at), escalation_step = $4, escalation_due_at = $5, updated_at = $6 where id = $1',
      [id, priority, ackDue, esc?.step ?? inc.escalation_step, esc ? new Date(esc.dueAtMs) : null, new Date(this.now())])
    await this.addTimeline(tx, id, 'priority_changed', null, why, { from: inc.priority, to: priority })
  }

  /**
   * [P-3.2] "I'm OK" pressed at the device: recorded, and the incident becomes one level less
   * urgent — but it stays active: an operator confirms by intercom or phone before closing it.
   */
  async cancelAtDevice (tx: Queryable, id: string, data: Record<string, unknown>): Promise<void> {
    const { rows } = await tx.query<{ priority: Priority, cancelled_at: Date | null, status: IncidentStatus }>(
      'select priority, cancelled_at, status from incidents where id = $1 for update', [id])
    const inc = rows[0]
    if (!inc) return
    await this.addTimeline(tx, id, 'cancelled_at_device', null, null, data)
    await tx.query('update incidents set cancelled_at = coalesce(cancelled_at, $2), updated_at = $2 where id = $1', [id, new Date(this.now())])
    if (!inc.cancelled_at && inc.status !== 'resolved' && inc.status !== 'closed_false_alarm') {
      await this.reprioritise(tx, id, lowerPriority(inc.priority), await this.policies.forIncident(id, tx), 'cancelled at the device')
    }
  }

  /**
   * Applies one operator action in a transaction: checks the caller's area and the
   * state machine (409 INVALID_TRANSITION otherwise) and records who, when and why.
   */
  async transition (
    id: string, action: IncidentAction, actor: Actor, scopePath: string,
    body: TransitionBody,
    after?: (tx: Queryable, inc: IncidentRow) => Promise<void>
  ): Promise<IncidentRow> {
    if (action === 'resolve' && !(OUTCOMES as readonly string[]).includes(body.outcome ?? '')) {
      throw errors.VALIDATION(`resolve needs an outcome, one of: ${OUTCOMES.join(', ')}`)
    }
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ status: IncidentStatus, priority: Priority, opened_at: Date | string, escalation_step: number }>(
        `select i.status, i.priority, i.opened_at, i.escalation_step from incidents i join areas a on a.id = i.area_id where i.id = $1 and a.path like $2 || '%' for update of i`, [id, scopePath])
      if (!rows[0]) throw errors.NOT_FOUND('incident')
      const from = rows[0].status
      const to = nextStatus(from, action)
      if (!to) throw errors.INVALID_TRANSITION(action.replaceAll('_', ' '), from.replaceAll('_', ' '))
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
      const policy = await this.policies.forIncident(id, tx)
      if (action === 'dispatch' && from !== 'dispatched') {
        // The on-scene clock starts at the first dispatch; a re-dispatch does not reset it.
        params.push(new Date(at.getTime() + policy.sla.onSceneDeadlineMs))
        sets.push('dispatched_at = coalesce(dispatched_at, $3)', `on_scene_due_at = coalesce(on_scene_due_at, $${params.length})`)
      }
      if (action === 'arrive') sets.push('on_scene_at = coalesce(on_scene_at, $3)')
      // Escalation steps stop once the incident reaches the state they wait for.
      const esc = nextEscalation(policy.sla, rows[0].priority, new Date(rows[0].opened_at).getTime(), rows[0].escalation_step, to)
      params.push(esc?.step ?? rows[0].escalation_step, esc ? new Date(esc.dueAtMs) : null)
      sets.push(`escalation_step = $${params.length - 1}`, `escalation_due_at = $${params.length}`)
      await tx.query(`update incidents set ${sets.join(', ')} where id = $1`, params)
      await this.addTimeline(tx, id, action, actor, body.note ?? body.reason ?? null, { from, to, ...(body.outcome ? { outcome: body.outcome } : {}), ...body.data })
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
