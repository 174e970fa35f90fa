import type { Logger } from 'pino'
import { NON_ALARM_EVENT_TYPES, SITE_LEVEL_ALARM_TYPES, type IncidentPositionDto, type Severity } from '@eldercare/protocols'
import { jsonColumn, type Db, type Queryable } from '../../db/db.ts'
import type { FamilyContact, IncidentChange } from './effects.ts'
import type { ResponsePolicy } from '../response/policy.ts'
import type { LastKnownRow } from '../positions/service.ts'
import type { AlarmCandidate, IncidentRow, IncidentService } from './service.ts'
import { AlarmTrace } from './trace.ts'
// Rows from no device (a visit follow-up, a welfare round's unconfirmed resident, a missed daily
// check-in) name a system source and the resident in `payload.residentId`: they open incidents here like any alarm.
import { SYSTEM_SOURCE_PATTERNS } from './system-alarms.ts'

export interface EngineOptions {
  /** Safety-net poll for inbox rows written by other processes, in ms. Default 1000. */
  pollIntervalMs?: number
  /**
   * Most inbox rows claimed and applied in one transaction. Default 16: a burst costs one claim
   * and one commit per batch instead of per row, while the first alarm of a batch waits for at
   * most 15 others before its announcement.
   */
  batchRows?: number
}

/** Where an alarm's person is (features/positions/service.ts). */
export interface AlarmPositions {
  /** how old a last known position may be at the alarm's time to be its position */
  readonly recentMs: number
  forAlarm (q: Queryable, alarm: { kind: string, payload: Record<string, unknown>, deviceId: string, residentId: string | null, at: Date }, lastKnown?: LastKnownRow | null): Promise<IncidentPositionDto | null>
}

/** Who hears of each committed change: the incident effects (features/incidents/effects.ts). */
export interface ChangeSink {
  applied (change: IncidentChange): Promise<void> | void
  /** What must commit with the change itself (the family's notification, into the outbox), in its transaction. */
  committing? (tx: Queryable, change: Omit<IncidentChange, 'incident'>): Promise<void>
}

/** A change with the incident as the engine's transaction commits it (each apply path reads it with its own statements). */
type Announced = IncidentChange & { incident: IncidentRow }
/** The same while its transaction runs: a new incident written with the COMMIT is a promise of its row until then. */
type Pending = Omit<IncidentChange, 'incident'> & { incident: IncidentRow | Promise<IncidentRow> }

interface InboxRow {
  seq: string
  device_id: string
  msg_id: string
  kind: string
  type: string
  payload: Record<string, unknown>
  received_at: Date | string
  site_id: string | null
  resident_id: string | null
  area_id: string | null
  area_path: string | null
  lives_alone: boolean | null
  capacity_level: number | null
  resident_name: string | null
  contacts: FamilyContact[] | null
  /** a row from a system source, not a device (features/incidents/system-alarms.ts) */
  deviceless: boolean
  /** read with the claim (issue 11: raise's reads in the claim's statement, see processBatch) */
  policy: ResponsePolicy | null
  candidates: AlarmCandidate[] | string
  last_position: LastKnownRow | string | null
}

/**
 * Turns inbox rows into incidents. Up to `batchRows` rows are claimed at once (`FOR UPDATE SKIP
 * LOCKED`, so several engines may share one database), applied (rows of one site in order, sites
 * side by side) and marked processed in one transaction; the changes go to the sink (the incident effects) only after the commit.
 * A batch that fails is taken again one row at a time, so the rows before a bad one are not held.
 * A new row wakes the engine at once (`wake()`: the gateway's `inbox` event, a recorded visit);
 * the poll is only a safety net for rows written by other processes.
 */
export class IncidentEngine {
  private running: Promise<unknown> | null = null
  private again = false
  private timer?: NodeJS.Timeout
  private stopped = false
  /** The alarm path's clock (trace.ts): the gateway's notices in, each row's stages out to /metrics. */
  readonly trace = new AlarmTrace()

  constructor (
    private readonly db: Db,
    private readonly incidents: IncidentService,
    private readonly log: Logger,
    private readonly sink: ChangeSink,
    private readonly opts: EngineOptions = {},
    private readonly positions?: AlarmPositions
  ) {}

  start (): void {
    this.stopped = false
    this.timer = setInterval(() => this.wake(), this.opts.pollIntervalMs ?? 1000)
    this.timer.unref()
    this.wake()
  }

  async stop (): Promise<void> {
    this.stopped = true
    clearInterval(this.timer)
    await this.running
  }

  /** Asks for a pass over the inbox; passes never overlap, and a wake during a pass queues one more. */
  wake (): void {
    if (this.stopped) return
    if (this.running) { this.again = true; return }
    this.running = this.drain().finally(() => {
      this.running = null
      if (this.again) { this.again = false; this.wake() }
    })
  }

  /** Processes rows until none is left; resolves when the inbox is drained (tests await it). */
  async drain (): Promise<number> {
    let n = 0
    let batch = Math.max(1, this.opts.batchRows ?? 16)
    while (!this.stopped) {
      try {
        const done = await this.processBatch(batch)
        n += done
        // A short batch took every row there was: no second, empty claim (three statements the
        // next alarm would queue behind). A row written meanwhile woke us: `again` runs one more pass.
        if (done < batch) break
      } catch (err) {
        // one row's failure rolls back its batch: the rest of this pass goes row by row
        if (batch > 1) { batch = 1; continue }
        this.log.error({ err }, 'incident engine pass failed; will retry')
        break
      }
    }
    return n
  }

  /**
   * Wakes the engine and resolves once the inbox row `seq` is processed (by this engine or
   * another sharing the database), with the incident it opened or joined; null after `timeoutMs`.
   */
  async settled (seq: string, timeoutMs = 10_000): Promise<{ incidentId: string | null } | null> {
    const until = Date.now() + timeoutMs
    for (;;) {
      this.wake()
      await this.running
      const { rows } = await this.db.query<{ processed_at: Date | null, incident_id: string | null }>('select processed_at, incident_id from inbox where seq = $1', [seq])
      if (!rows[0] || rows[0].processed_at) return rows[0] ? { incidentId: rows[0].incident_id } : null
      if (Date.now() > until) return null
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  /** Unprocessed rows, for health and metrics. */
  async backlog (): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>('select count(*) as n from inbox where processed_at is null')
    return Number(rows[0].n)
  }

  /** Claims, applies and marks up to `limit` rows in one transaction; returns how many. */
  private async processBatch (limit: number): Promise<number> {
    const { n, changes } = await this.db.transaction(async (tx) => {
      // Claimed and marked processed in one statement (the transaction's first: it travels with its
      // begin, db.ts); each row's incident_id is written by the statements that apply it, so a
      // cancel later in the batch finds the incident of the event it names.
      //
      // The same statement reads what raise would read first (issue 11: one round trip fewer per
      // alarm, ~2–3 ms at 10,000 msg/s on PGlite): the policy in force on the site's area path
      // (as PolicyStore.forPath), the active incidents each alarm may join — locked FOR UPDATE here,
      // as raise locks them (one per site and resident, or per site for site-level alarm types) — and
      // the newest last known position of the device or resident (as PositionService.forAlarm).
      const { rows } = await tx.query<InboxRow>(
        `with claimed as (
           update inbox set processed_at = now()
            where seq in (select seq from inbox where processed_at is null order by seq limit $2 for update skip locked)
           returning seq, device_id, msg_id, kind, type, payload, received_at),
         claimed_rows as (
           select i.seq, i.device_id, i.msg_id, i.kind, i.type, i.payload, i.received_at, s.id as site_id, r.id as resident_id, s.area_id, a.path as area_path,
                  r.lives_alone, r.capacity_level, r.name as resident_name, r.contacts, d.id is null and i.device_id like any($1::text[]) as deviceless,
                  case when i.type = any($3::text[]) then '' else coalesce(r.id, '') end as incident_key
             from claimed i
             left join devices d on d.id = i.device_id
             left join residents r on r.id = case when d.id is null and i.device_id like any($1::text[]) then i.payload->>'residentId' else d.resident_id end
             left join sites s on s.id = coalesce(d.site_id, case when d.id is null and i.device_id like any($1::text[]) then r.site_id end)
             left join areas a on a.id = s.area_id),
         candidates as materialized (
           select c.id, c.type, c.priority, coalesce(c.last_alarm_at, c.opened_at) as last, c.opened_at, c.site_id, coalesce(c.resident_id, '') as incident_key
             from incidents c
            where c.status not in ('resolved', 'closed_false_alarm')
              and (c.site_id, coalesce(c.resident_id, '')) in (select site_id, incident_key from claimed_rows where site_id is not null)
            order by c.id -- locked in one order, whichever engine (scaled mode) locks them
            for update of c)
         select x.seq, x.device_id, x.msg_id, x.kind, x.type, x.payload, x.received_at, x.site_id, x.resident_id, x.area_id, x.area_path,
                x.lives_alone, x.capacity_level, x.resident_name, x.contacts, x.deviceless, pol.value as policy,
                (select coalesce(json_agg(json_build_object('id', c.id, 'type', c.type, 'priority', c.priority, 'last', c.last) order by c.opened_at desc), '[]'::json)
                   from candidates c where c.site_id = x.site_id and c.incident_key = x.incident_key) as candidates,
                lp.last_position
           from claimed_rows x
           left join lateral (
             select p.value from area_response_policies p join areas pa on pa.id = p.area_id
              where x.area_path like pa.path || '%' order by length(pa.path) desc limit 1) pol on true
           left join lateral (
             select json_build_object('lat', pl.lat, 'lng', pl.lng, 'acc', pl.acc, 'at', pl.at, 'source', pl.source) as last_position
               from positions_last pl
              where $4::float8 is not null and (pl.device_id = x.device_id or (x.resident_id is not null and pl.resident_id = x.resident_id))
                and pl.at >= x.received_at - make_interval(secs => $4::float8 / 1000)
              order by pl.at desc limit 1) lp on true
          order by x.seq`, [SYSTEM_SOURCE_PATTERNS, limit, [...SITE_LEVEL_ALARM_TYPES], this.positions?.recentMs ?? null])
      for (const row of rows) this.trace.mark(row.device_id, row.msg_id, 'engine_claimed')
      // Rows of different sites touch different incidents (an alarm joins or opens an incident of
      // its own site; a cancel or call event names an event of its own device), so they are
      // applied side by side: their statements, issued together, share round trips (on the
      // embedded database one message each way, db.ts), and a burst of N alarms costs about the
      // round trips of one instead of N times them (issue 11: the engine's queue was what a fall
      // waited for once alarms arrived faster than one per engine pass). Rows of one site keep
      // their order. Every chain settles before the transaction ends, also when one fails.
      const results: Array<Pending | null> = new Array(rows.length).fill(null)
      const bySite = new Map<string, number[]>()
      rows.forEach((row, i) => {
        const key = row.site_id ?? `\u0000${row.seq}`
        const chain = bySite.get(key)
        if (chain) chain.push(i)
        else bySite.set(key, [i])
      })
      // What the claim read for raise holds for the first row of each site only: the rows after it
      // see the incidents it opened or joined, so they read for themselves.
      const settled = await Promise.allSettled([...bySite.values()].map(async (chain) => {
        for (const [k, i] of chain.entries()) results[i] = await this.applyRow(tx, rows[i], k === 0, k === chain.length - 1)
      }))
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')
      if (failed) throw failed.reason
      const applied: Pending[] = []
      rows.forEach((row, i) => {
        const result = results[i]
        if (result) applied.push(result)
        else this.trace.mark(row.device_id, row.msg_id, 'engine_committed', true) // nothing to announce
      })
      return { n: rows.length, changes: applied }
    })
    for (const change of changes) {
      if (change.source) this.trace.mark(change.source.deviceId, change.source.msgId, 'engine_committed')
      // written with the COMMIT: its row came back with the commit's answer (settled already)
      void this.sink.applied({ ...change, incident: await change.incident })
    }
    return n
  }

  /** One row applied, with what must commit with it, and read as it will be announced. */
  private async applyRow (tx: Queryable, row: InboxRow, firstOfSite: boolean, lastOfSite: boolean): Promise<Pending | null> {
    const result = await this.apply(tx, row, firstOfSite, lastOfSite)
    if (!result) return null
    // The family's notification (into the outbox) goes with the COMMIT (Transaction.beforeCommit:
    // no round trip of its own; its failure still rolls the batch back). The incident was read by
    // the statements that changed it, as this transaction commits it: after the commit it goes out
    // at once, with no statement (and no queue) between the commit and the consoles.
    await this.sink.committing?.(tx, result)
    return result
  }

  private async apply (tx: Queryable, row: InboxRow, firstOfSite: boolean, lastOfSite: boolean): Promise<Pending | null> {
    const log = this.log.child({ deviceId: row.device_id, msgId: row.msg_id })
    if (!row.site_id || !row.area_id) {
      log.warn('inbox row for a device no longer registered; recorded, no incident')
      return null
    }
    // [P-3.2] `cancel` is recorded against the event it names, never deletes it.
    if (row.kind === 'event' && row.type === 'cancel') return this.applyCancel(tx, row)
    // [P-3.2] `test` is proof the device works and never opens an incident.
    if (row.kind === 'event' && NON_ALARM_EVENT_TYPES.has(row.type)) return null
    if (row.kind === 'intercom' && row.type !== 'call_request') return this.applyCallEvent(tx, row)
    const severity = row.kind === 'derived' && ['high', 'medium', 'low'].includes(row.payload.severity as string) ? row.payload.severity as Severity : null
    const at = new Date(row.received_at)
    // not awaited here: raise reads it together with its own reads (one round trip, db.ts)
    const position = row.deviceless || SITE_LEVEL_ALARM_TYPES.has(row.type) || !this.positions ? null
      : this.positions.forAlarm(tx, { kind: row.kind, payload: row.payload, deviceId: row.device_id, residentId: row.resident_id, at }, jsonColumn(row.last_position))
    const { id, event, incident } = await this.incidents.raise(tx, {
      type: row.type,
      siteId: row.site_id,
      areaId: row.area_id,
      areaPath: row.area_path,
      // Smoke, gas and water concern everyone at the site: one incident per site.
      residentId: SITE_LEVEL_ALARM_TYPES.has(row.type) ? null : row.resident_id,
      deviceId: row.deviceless ? null : row.device_id,
      at,
      severity,
      position,
      livesAlone: row.lives_alone ?? false,
      capacityLevel: row.capacity_level,
      source: { deviceId: row.device_id, msgId: row.msg_id, kind: row.kind, payload: row.payload, inboxSeq: row.seq },
      // the claim's reads (policy on the area path, the locked candidates) as long as no row before
      // it in this batch changed the site's incidents
      prefetched: firstOfSite && row.area_path ? { policy: row.policy, candidates: jsonColumn(row.candidates) ?? [] } : undefined,
      // a new incident's statements with the COMMIT when nothing after it in this batch reads the
      // site's incidents or refers to it (a call request's timeline entry, below, does)
      deferInsert: lastOfSite && row.kind !== 'intercom'
    })
    // The console rings for a call; its later events land on the same incident (applyCallEvent).
    if (row.kind === 'intercom') await this.incidents.addTimeline(tx, id, 'intercom_call_request', null, null, { callId: row.payload.callId, deviceId: row.device_id })
    const source = { deviceId: row.device_id, msgId: row.msg_id, type: row.type }
    const emitted = () => this.trace.mark(row.device_id, row.msg_id, 'emitted')
    // a joined incident as raise read it after its changes (an intercom entry on the timeline changes
    // nothing announced): announced as it is, with no second read (issue 11)
    if (event !== 'incident:opened') return { event, incidentId: id, reAlert: 'repeat', source, emitted, incident }
    // the family's notification needs the resident read by the claim, not a statement of its own;
    // a new incident's resident is the alarm's (none for a site-level alarm)
    const residentId = SITE_LEVEL_ALARM_TYPES.has(row.type) ? null : row.resident_id
    const family = residentId && row.resident_name !== null
      ? { name: row.resident_name, contacts: row.contacts ?? [], type: row.type }
      : undefined
    return { event, incidentId: id, source, emitted, incident, family }
  }

  private async applyCancel (tx: Queryable, row: InboxRow): Promise<Announced | null> {
    const ref = row.payload.ref
    if (typeof ref !== 'string') return null
    // [P-2.4] inside the idempotency window two events may share an id (a device counter reset,
    // migration 0008): the cancel is for the newest earlier event carrying it
    const { rows } = await tx.query<{ incident_id: string | null }>(
      `select incident_id from inbox
        where device_id = $1 and msg_id = $2 and kind = 'event' and seq < $3
        order by seq desc limit 1`, [row.device_id, ref, row.seq])
    const incidentId = rows[0]?.incident_id
    if (!incidentId) return null
    await this.incidents.cancelAtDevice(tx, incidentId, { deviceId: row.device_id, ref })
    return { event: 'incident:updated', incidentId, incident: await this.linked(tx, row, incidentId) }
  }

  /** Intercom call events after the request go on the timeline of the call's incident. */
  private async applyCallEvent (tx: Queryable, row: InboxRow): Promise<Announced | null> {
    const { rows } = await tx.query<{ incident_id: string }>(
      `select incident_id from inbox
        where device_id = $1 and kind = 'intercom' and type = 'call_request' and payload->>'callId' = $2 and incident_id is not null
        order by seq desc limit 1`, [row.device_id, row.payload.callId])
    const incidentId = rows[0]?.incident_id
    if (!incidentId) return null
    await this.incidents.addTimeline(tx, incidentId, `intercom_${row.type}`, null, null, { callId: row.payload.callId })
    await this.incidents.touch(tx, incidentId)
    return { event: 'incident:updated', incidentId, incident: await this.linked(tx, row, incidentId) }
  }

  /** Links the inbox row to its incident and reads the incident as it will be announced (together: one round trip). */
  private async linked (tx: Queryable, row: InboxRow, incidentId: string): Promise<IncidentRow> {
    const [, incident] = await Promise.all([
      tx.query('update inbox set incident_id = $2 where seq = $1', [row.seq, incidentId]),
      this.incidents.get(incidentId, '/', tx)
    ])
    return incident
  }
}
