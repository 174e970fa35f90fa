/**
 * The one owner of an incident's side effects. Every change to an incident that someone
 * must hear of passes through here:
 *   - the engine's changes (an alarm opened or joined an incident, a cancel, an intercom event):
 *     `applied()` after the engine's commit — log line, announcement, family notification;
 *   - operator and responder actions: `act()` runs the state change with its in-transaction
 *     effects (acknowledge → [P-3.5] `alarm.ack` to the device; close → pending offers withdrawn),
 *     then after commit announces and, on close, tells the family;
 *   - command answers ([P-3.6]) on the timeline: `commandAnswered()`;
 *   - anything else that changed an incident (dispatch cascade, SLA steps, notes): `announce()`.
 * Only `announce()` emits `incident:opened` / `incident:updated` on the realtime channel.
 */
import type { Logger } from 'pino'
import type { IncidentAction, IncidentDto } from '@eldercare/protocols'
import type { Db, Queryable } from '../../db/db.ts'
import type { Realtime } from '../../plugins/realtime.ts'
import type { CommandService } from '../commands/service.ts'
import type { Notifier, NotificationKind } from '../response/notify.ts'
import { typeLabel } from '../response/labels.ts'
import { publicDto, type Actor, type IncidentRow, type IncidentService, type TransitionBody } from './service.ts'

/** What the engine committed, handed over after the commit. */
export interface IncidentChange {
  event: 'incident:opened' | 'incident:updated'
  incidentId: string
  /** operators should be alerted again (a repeated alarm) */
  reAlert?: 'repeat' | 'escalation'
  /** the inbox row behind it, for the log line */
  source?: { deviceId: string, msgId: string, type: string }
  /** called once the change is handed to socket.io (the alarm path's last stage, trace.ts) */
  emitted?: () => void
  /** the incident as the engine's transaction committed it: announced as it is, without reading it again */
  incident?: IncidentRow
  /** an opening's resident as the engine read it (its family's notification needs no statement to find them) */
  family?: Family
}

/** A resident's contact (residents.contacts); only `notify: true` ones hear of incidents. */
export interface FamilyContact { name: string, phone: string, relation?: string, notify?: boolean }
/** Who a notification is about and whom it goes to. */
interface Family { contacts: FamilyContact[], name: string, type: string, outcome?: string | null }

/** A device's answer to a command [P-3.6], as the gateway reports it. */
export interface CommandAnswer { commandId: string, deviceId: string, ok: boolean, error?: string | null }

export interface IncidentEffectsDeps {
  db: Db
  incidents: IncidentService
  commands: CommandService
  realtime: Realtime
  notifier: Notifier
  log: Logger
}

export class IncidentEffects {
  constructor (private readonly d: IncidentEffectsDeps) {}

  /** Emits the incident (as committed) to its area and every area above; returns it. An opening is marked announced. */
  announce = async (incidentId: string, event: 'incident:opened' | 'incident:updated' = 'incident:updated', reAlert?: IncidentDto['reAlert']): Promise<IncidentRow> => {
    const inc = await this.d.incidents.get(incidentId, '/')
    this.emit(inc, event, reAlert)
    if (event === 'incident:opened') await this.markAnnounced(incidentId)
    return inc
  }

  private emit (inc: IncidentRow, event: 'incident:opened' | 'incident:updated', reAlert?: IncidentDto['reAlert']): void {
    this.d.realtime.emitIncident(event, publicDto(inc, reAlert), inc.areaPath)
  }

  /** Openings emitted here whose `announced_at` is not yet written: announceMissed leaves them alone. */
  private readonly unmarked = new Set<string>()
  private marking: Promise<void> | null = null

  /**
   * Records that an opening was announced. Written after the emit and in groups (one statement
   * for the openings of a burst), off the alarm path: the next alarm's statements do not queue
   * behind it. Until written, the id stays in `unmarked`, so this node's own late-announcement
   * sweep never tells it a second time (a duplicate `incident:opened` seen under load).
   */
  private markAnnounced (incidentId: string): Promise<void> {
    this.unmarked.add(incidentId)
    this.marking ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const ids = [...this.unmarked]
      try {
        await this.d.db.query('update incidents set announced_at = now() where id = any($1::text[]) and announced_at is null', [ids])
      } catch (err) {
        this.d.log.warn({ err, incidents: ids.length }, 'announcements not marked; the late-announcement sweep may tell them again')
      } finally {
        for (const id of ids) this.unmarked.delete(id)
        this.marking = null
      }
    })
    return this.marking
  }

  /**
   * Openings whose node died between the commit and the announcement (#14): any node claims them
   * (SKIP LOCKED) `afterMs` after they were recorded and announces them, so no console misses one.
   * At least once: a node killed after emitting but before marking has its opening told twice.
   */
  announceMissed = async (afterMs = 3000): Promise<number> => {
    const { rows } = await this.d.db.query<{ id: string }>(
      `update incidents set announced_at = now()
        where id in (select id from incidents where announced_at is null and recorded_at < now() - make_interval(secs => $1::double precision / 1000)
                        and id <> all($2::text[])
                      order by recorded_at limit 50 for update skip locked)
        returning id`, [afterMs, [...this.unmarked]])
    for (const r of rows) {
      // emitted here while the sweep waited in its queue (its list of ids was taken before): already told
      if (this.unmarked.has(r.id)) continue
      this.d.log.warn({ incidentId: r.id }, 'opening announced late: the node that opened it did not')
      const inc = await this.d.incidents.get(r.id, '/')
      this.d.realtime.emitIncident('incident:opened', publicDto(inc), inc.areaPath)
    }
    return rows.length
  }

  /**
   * In the engine's transaction: the family's notification of an opening is stored with the
   * incident (outbox), so a node killed right after the commit loses no message (#14). The
   * outbox's insert goes with the COMMIT (`Transaction.beforeCommit`): no round trip of its own on
   * the alarm path (issue 11); if it fails, the engine's transaction rolls back as before.
   */
  committing = async (tx: Queryable, change: Omit<IncidentChange, 'incident'>): Promise<void> => {
    if (change.event === 'incident:opened') await this.notifyFamily(change.incidentId, 'incident_opened', tx, change.family)
  }

  /** The engine committed a change: log it and announce it. */
  applied = async (change: IncidentChange): Promise<void> => {
    try {
      // the consoles first (as the transaction committed it, when the engine read it there), then the log
      if (change.incident) this.emit(change.incident, change.event, change.reAlert)
      else await this.announce(change.incidentId, change.event, change.reAlert)
      change.emitted?.()
      if (change.source) {
        this.d.log.info({ incidentId: change.incidentId, deviceId: change.source.deviceId, msgId: change.source.msgId, type: change.source.type },
          change.event === 'incident:opened' ? 'incident opened' : 'alarm joined incident')
      }
      if (change.incident && change.event === 'incident:opened') await this.markAnnounced(change.incidentId)
    } catch (err) {
      this.d.log.error({ err, incidentId: change.incidentId }, 'could not announce incident')
    }
  }

  /**
   * An operator's or responder's action: the state change and its effects in one transaction
   * (plus the caller's own `after`), then, once committed, the announcement and — when the
   * incident closes — the family's notification. Returns the incident as announced.
   */
  act = async (
    id: string, action: IncidentAction, actor: Actor, scopePath: string, body: TransitionBody,
    after?: (tx: Queryable, inc: IncidentRow) => Promise<void>
  ): Promise<IncidentRow> => {
    const closing = action === 'resolve' || action === 'close_false_alarm'
    await this.d.incidents.transition(id, action, actor, scopePath, body, async (tx, inc) => {
      if (action === 'acknowledge') await this.sendAlarmAck(tx, inc, actor.name ?? '')
      // A closed incident needs nobody any more: pending offers are withdrawn, so no cascade runs on.
      if (closing) await tx.query("update dispatch_offers set status = 'withdrawn', responded_at = $2 where incident_id = $1 and status = 'offered'", [inc.id, new Date(inc.updatedAt)])
      if (after) await after(tx, inc)
      // stored with the closing itself (outbox), like the opening's
      if (closing) await this.notifyFamily(inc.id, 'incident_resolved', tx)
    })
    return await this.announce(id)
  }

  /** An operator's note on the timeline, announced. */
  note = async (id: string, actor: Actor, scopePath: string, text: string): Promise<IncidentRow> => {
    const inc = await this.d.incidents.note(id, actor, scopePath, text)
    this.d.realtime.emitIncident('incident:updated', publicDto(inc), inc.areaPath)
    return inc
  }

  /**
   * [P-3.6] an answered command goes on its incident's timeline — once, although in scaled
   * mode every platform node hears the answer: the first to take the command's lock records it.
   */
  commandAnswered = async (ack: CommandAnswer): Promise<void> => {
    const cmd = await this.d.commands.get(ack.commandId)
    if (!cmd?.incidentId) return
    const incidentId = cmd.incidentId
    const kind = ack.ok ? 'command_acked' : 'command_failed'
    const recorded = await this.d.db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock(hashtext($1))', [cmd.id])
      const seen = await tx.query(`select 1 from incident_timeline where incident_id = $1 and kind = $2 and data->>'commandId' = $3`, [incidentId, kind, cmd.id])
      if (seen.rows.length > 0) return false
      await this.d.incidents.addTimeline(tx, incidentId, kind, null, null,
        { commandId: cmd.id, type: cmd.type, deviceId: ack.deviceId, ...(ack.error ? { error: ack.error } : {}) })
      await this.d.incidents.touch(tx, incidentId)
      return true
    })
    if (recorded) await this.announce(incidentId)
  }

  /** Family contacts with `notify: true` hear of an opening and of the resolution. */
  notifyFamily = async (incidentId: string, kind: Extract<NotificationKind, 'incident_opened' | 'incident_resolved'>, q: Queryable = this.d.db, known?: Family): Promise<void> => {
    const r = known ?? (await q.query<Family>(
      'select r.contacts, r.name, i.type, i.outcome from incidents i join residents r on r.id = i.resident_id where i.id = $1', [incidentId])).rows[0]
    if (!r) return
    // Consent: only contacts the resident (or guardian) marked `notify: true` hear anything.
    for (const c of r.contacts.filter((x) => x.notify === true)) {
      await this.d.notifier.enqueue(q, {
        kind, incidentId, to: { name: c.name, phone: c.phone, relation: c.relation ?? null, role: 'family' },
        text: kind === 'incident_opened'
          ? `【应急中心】${r.name}触发${typeLabel(r.type)}警报，中心正在处理。`
          : `【应急中心】${r.name}的${typeLabel(r.type)}警报已处理完毕（${r.outcome ?? ''}）。`,
        data: { type: r.type, ...(r.outcome ? { outcome: r.outcome } : {}) }
      })
    }
  }

  /** Acknowledging tells the device the centre has the alarm ([P-3.5] `alarm.ack`). */
  private async sendAlarmAck (tx: Queryable, inc: IncidentRow, by: string): Promise<void> {
    if (!inc.deviceId) return
    const cmd = await this.d.commands.send(inc.deviceId, 'alarm.ack', { incident: inc.id }, { incidentId: inc.id, createdBy: by }, tx)
    await this.d.incidents.addTimeline(tx, inc.id, 'command_sent', null, null, { commandId: cmd.id, type: 'alarm.ack', deviceId: inc.deviceId })
  }
}
