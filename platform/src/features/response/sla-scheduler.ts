/**
 * SLA clocks and escalation. Deadlines live in the incidents and dispatch_offers tables, so
 * they survive restarts; each due job is claimed with `FOR UPDATE SKIP LOCKED` and marked done
 * in the same transaction, so it fires exactly once however many platform processes run.
 * The clock is injected: tests move it and call `tick()`; nothing sleeps.
 */
import type { Logger } from 'pino'
import { nextEscalation, type EscalationAction, type IncidentStatus, type Priority } from '@eldercare/protocols'
import type { Db, Queryable } from '../../db/db.ts'
import type { DispatchService, OfferEvent } from './dispatch.ts'
import type { IncidentService } from '../incidents/service.ts'

export interface SchedulerOptions {
  /** how often due jobs are looked for, in ms. Default 1000. */
  tickIntervalMs?: number
}

/** What a fired job asks the caller to announce after its commit. */
export interface SlaEffect {
  incidentId: string
  kind: 'ack_breached' | 'on_scene_breached' | 'escalated' | 'offer_timed_out'
  action?: EscalationAction
  step?: number
  offer?: OfferEvent | null
}

type Job = (tx: Queryable, at: Date) => Promise<SlaEffect | null | undefined>

export class SlaScheduler {
  private timer?: NodeJS.Timeout
  private running: Promise<number> | null = null

  constructor (
    private readonly db: Db,
    private readonly incidents: IncidentService,
    private readonly dispatch: DispatchService,
    private readonly now: () => number,
    private readonly log: Logger,
    private readonly onEffect: (e: SlaEffect) => void,
    private readonly opts: SchedulerOptions = {}
  ) {}

  start (): void {
    this.timer = setInterval(() => { void this.tick() }, this.opts.tickIntervalMs ?? 1000)
    this.timer.unref()
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.running
  }

  /** Fires every job due at the clock's current time; resolves with how many fired. Ticks never overlap. */
  tick (): Promise<number> {
    if (this.running) return this.running
    this.running = this.runDue().finally(() => { this.running = null })
    return this.running
  }

  private async runDue (): Promise<number> {
    let fired = 0
    for (const [name, job] of [['ackBreach', this.ackBreach], ['escalate', this.escalate], ['onSceneBreach', this.onSceneBreach], ['offerTimeout', this.offerTimeout]] as const) {
      try {
        // One job per transaction, until none is due.
        for (;;) {
          const at = new Date(this.now())
          const effect = await this.db.transaction((tx) => job.call(this, tx, at))
          if (effect === undefined) break
          // null: a deadline was only moved on (its step was no longer needed), nothing fired.
          if (effect) { fired++; this.onEffect(effect) }
        }
      } catch (err) {
        this.log.error({ err, job: name }, 'SLA job failed; will retry on the next tick')
      }
    }
    return fired
  }

  /** [TSA] acknowledgement deadline passed while still open: record the breach once. */
  private ackBreach (tx: Queryable, at: Date): Promise<SlaEffect | undefined> {
    return this.breach(tx, at, { status: 'open', due: 'ack_due_at', flag: 'ack_breached', text: '超过接警时限 / acknowledgement deadline passed' })
  }

  /** [TSA] no responder on site by the on-scene deadline: record the breach once. */
  private onSceneBreach (tx: Queryable, at: Date): Promise<SlaEffect | undefined> {
    return this.breach(tx, at, { status: 'dispatched', due: 'on_scene_due_at', flag: 'on_scene_breached', text: '超过到场时限 / on-scene deadline passed' })
  }

  private async breach (tx: Queryable, at: Date, b: { status: IncidentStatus, due: 'ack_due_at' | 'on_scene_due_at', flag: 'ack_breached' | 'on_scene_breached', text: string }): Promise<SlaEffect | undefined> {
    // Column names come from the fixed literals above, never from input.
    const { rows } = await tx.query<{ id: string, due: Date }>(
      `select id, ${b.due} as due from incidents where status = $2 and not ${b.flag} and ${b.due} <= $1
        order by ${b.due} limit 1 for update skip locked`, [at, b.status])
    if (!rows[0]) return undefined
    await tx.query(`update incidents set ${b.flag} = true, updated_at = $2 where id = $1`, [rows[0].id, at])
    await this.incidents.addTimeline(tx, rows[0].id, b.flag, null, b.text, { dueAt: new Date(rows[0].due).toISOString() })
    return { incidentId: rows[0].id, kind: b.flag }
  }

  /**
   * Runs the incident's next escalation step, unless the incident has reached the state the
   * step waits for (then it moves on, or stops). The step counter and the next due time are
   * written in the same transaction as the claim: a step runs once.
   */
  private async escalate (tx: Queryable, at: Date): Promise<SlaEffect | null | undefined> {
    const { rows } = await tx.query<{ id: string, priority: Priority, status: IncidentStatus, opened_at: Date, escalation_step: number }>(
      `select id, priority, status, opened_at, escalation_step from incidents where escalation_due_at <= $1
        order by escalation_due_at limit 1 for update skip locked`, [at])
    const inc = rows[0]
    if (!inc) return undefined
    const policy = await this.incidents.policies.forIncident(inc.id, tx)
    const openedMs = new Date(inc.opened_at).getTime()
    const due = nextEscalation(policy.sla, inc.priority, openedMs, inc.escalation_step, inc.status)
    if (!due || due.dueAtMs > at.getTime()) {
      // The step's awaited state was reached, or the policy changed: reschedule without acting.
      await tx.query('update incidents set escalation_step = $2, escalation_due_at = $3 where id = $1',
        [inc.id, due?.step ?? inc.escalation_step, due ? new Date(due.dueAtMs) : null])
      return null
    }
    const step = policy.sla.escalation[inc.priority][due.step]
    const after = nextEscalation(policy.sla, inc.priority, openedMs, due.step + 1, inc.status)
    await tx.query('update incidents set escalation_step = $2, escalation_due_at = $3, escalations = escalations + 1, updated_at = $4 where id = $1',
      [inc.id, due.step + 1, after ? new Date(after.dueAtMs) : null, at])
    await this.incidents.addTimeline(tx, inc.id, 'escalated', null, null, { step: due.step + 1, action: step.action, until: step.until })
    // The cascade moves on only for a dispatched incident; before dispatch there is no cascade to widen.
    const offer = step.action === 'next_responder' && inc.status === 'dispatched' ? await this.dispatch.offer(tx, inc.id, null, null) : undefined
    return { incidentId: inc.id, kind: 'escalated', action: step.action, step: due.step + 1, offer }
  }

  /** A responder who did not answer in time: the offer times out and the next candidate is asked. */
  private async offerTimeout (tx: Queryable, at: Date): Promise<SlaEffect | undefined> {
    const { rows } = await tx.query<{ id: string, incident_id: string, responder_id: string }>(
      `select o.id, o.incident_id, o.responder_id from dispatch_offers o join incidents i on i.id = o.incident_id
        where o.status = 'offered' and o.due_at <= $1 order by o.due_at limit 1 for update of o skip locked`, [at])
    const o = rows[0]
    if (!o) return undefined
    await tx.query("update dispatch_offers set status = 'timed_out', responded_at = $2 where id = $1", [o.id, at])
    await this.incidents.addTimeline(tx, o.incident_id, 'offer_timed_out', null, null, { offerId: o.id, responderId: o.responder_id })
    const { rows: st } = await tx.query<{ status: IncidentStatus }>('select status from incidents where id = $1', [o.incident_id])
    const offer = st[0]?.status === 'dispatched' ? await this.dispatch.offer(tx, o.incident_id, null, null) : null
    return { incidentId: o.incident_id, kind: 'offer_timed_out', offer }
  }
}
