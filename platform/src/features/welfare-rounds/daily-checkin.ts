/**
 * Daily check-in (报平安, issue 17): a resident who wants it presses "I'm OK" (`checkin` [P-3.2])
 * each day within a window of the service's time zone, e.g. 07:00–10:00. The same proofs as a
 * welfare round count (an answered call or a recorded visit will do). No proof by the window's
 * end → a follow-up visit task due that day for their community; still nobody has reached them
 * `escalateAfterMin` later → a P3 incident of type `checkin_missed`, raised as an inbox row the
 * incident engine opens like a device's alarm (features/incidents/system-alarms.ts).
 */
import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { DailyCheckinPlanDto } from '@eldercare/protocols'
import { errors } from '../../errors.ts'
import { localDate, localMidnight } from '../../lib/local-time.ts'
import { firstProofSql } from './proofs.ts'
import { SYSTEM_SOURCES, writeSystemAlarm } from '../incidents/system-alarms.ts'

export interface CheckinPlan { windowStart: string, windowEnd: string, escalateAfterMin: number, enabled: boolean }

const toMin = (hhmm: string): number => { const [h, m] = hhmm.split(':').map(Number); return h * 60 + m }
const toHhmm = (min: number): string => `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`
const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString())

export class DailyCheckins {
  constructor (private readonly app: FastifyInstance, private readonly opts: { timeZone: string, now: () => number }, private readonly log: FastifyBaseLogger) {}

  /** Creates, changes or disables (`enabled: false`) the plan; HH:MM checked by the route's schema (DailyCheckinPlanInput). */
  async setPlan (user: { id: string, username: string, areaPath: string }, residentId: string, plan: CheckinPlan): Promise<DailyCheckinPlanDto> {
    await this.residentInScope(residentId, user.areaPath)
    const start = toMin(plan.windowStart)
    const end = toMin(plan.windowEnd)
    if (end <= start) throw errors.VALIDATION('windowEnd must be after windowStart on the same day')
    await this.app.db.transaction(async (tx) => {
      await tx.query(`insert into daily_checkin_plans (resident_id, window_start_min, window_end_min, escalate_after_min, enabled, updated_by, updated_at)
                      values ($1, $2, $3, $4, $5, $6, now())
                      on conflict (resident_id) do update set window_start_min = $2, window_end_min = $3, escalate_after_min = $4, enabled = $5, updated_by = $6, updated_at = now()`,
      [residentId, start, end, plan.escalateAfterMin, plan.enabled, user.id])
      // A disabled plan sends nothing: the day's open follow-up ends here (its visit task too, if
      // nobody has done it yet), so it never escalates; enabling again does not bring it back,
      // as the day already has its row and the sweep opens no second one.
      const ended = plan.enabled ? [] : (await tx.query<{ day: string, visit_id: string | null }>(
        `update daily_checkins set status = 'cancelled', closed_reason = 'plan_disabled', closed_at = now()
          where resident_id = $1 and status = 'follow_up' returning day::text as day, visit_id`, [residentId])).rows
      for (const e of ended) {
        if (e.visit_id) await tx.query(`update visits set status = 'cancelled' where id = $1 and status = 'planned'`, [e.visit_id])
      }
      await this.app.audit.write({
        userId: user.id, username: user.username, action: 'daily_checkin.plan', targetType: 'resident', targetId: residentId,
        data: { ...plan, ...(ended.length ? { followUpsCancelled: ended.map((e) => e.day), reason: 'plan_disabled' } : {}) }, areaPath: user.areaPath
      }, tx)
    })
    return this.getPlan(residentId, user.areaPath)
  }

  async getPlan (residentId: string, scopePath: string): Promise<DailyCheckinPlanDto> {
    await this.residentInScope(residentId, scopePath)
    const { rows } = await this.app.db.query<{ window_start_min: number, window_end_min: number, escalate_after_min: number, enabled: boolean, updated_by: string | null, updated_at: Date | string | null }>(
      'select p.window_start_min, p.window_end_min, p.escalate_after_min, p.enabled, p.updated_at, u.username as updated_by from daily_checkin_plans p left join users u on u.id = p.updated_by where p.resident_id = $1', [residentId])
    if (!rows[0]) throw errors.NOT_FOUND('daily check-in plan')
    // The incident is the one its inbox row opened (linked once the engine has run; read from the row until then).
    const days = await this.app.db.query<Record<string, any>>(
      `select c.*, coalesce(c.incident_id, i.incident_id) as incident_id from daily_checkins c
         left join inbox i on i.device_id = $2 || c.resident_id and i.msg_id = c.resident_id || '/' || c.day::text and i.type = 'checkin_missed'
        where c.resident_id = $1 order by c.day desc limit 14`, [residentId, SYSTEM_SOURCES.checkin])
    return {
      residentId,
      windowStart: toHhmm(rows[0].window_start_min), windowEnd: toHhmm(rows[0].window_end_min), escalateAfterMin: rows[0].escalate_after_min, enabled: rows[0].enabled,
      timeZone: this.opts.timeZone,
      updatedBy: rows[0].updated_by, updatedAt: iso(rows[0].updated_at),
      days: days.rows.map((d) => ({ day: localDate(new Date(d.window_start).getTime(), this.opts.timeZone), status: d.status, confirmedAt: iso(d.confirmed_at), confirmedBy: d.confirmed_by, visitId: d.visit_id, incidentId: d.incident_id, closedReason: d.closed_reason ?? null }))
    }
  }

  /**
   * Closes today's windows that have ended (confirmed, or a follow-up task), then escalates the
   * follow-ups nobody resolved in time; returns what it did.
   */
  async sweep (): Promise<{ confirmed: number, followUps: number, reached: number, escalated: number }> {
    const now = this.opts.now()
    const today = localDate(now, this.opts.timeZone)
    const [y, m, d] = today.split('-').map(Number)
    const midnight = localMidnight(y, m, d, this.opts.timeZone).getTime()
    const result = { confirmed: 0, followUps: 0, reached: 0, escalated: 0 }
    const { rows: due } = await this.app.db.query<{ resident_id: string, site_id: string, window_start_min: number, window_end_min: number }>(
      `select p.resident_id, r.site_id, p.window_start_min, p.window_end_min from daily_checkin_plans p join residents r on r.id = p.resident_id
        where p.enabled and $2::bigint + p.window_end_min::bigint * 60000 <= $1::bigint
          and not exists (select 1 from daily_checkins c where c.resident_id = p.resident_id and c.day = $3)`, [now, midnight, today])
    for (const plan of due) {
      const from = new Date(midnight + plan.window_start_min * 60_000)
      const until = new Date(midnight + plan.window_end_min * 60_000)
      await this.app.db.transaction(async (tx) => {
        const proof = (await tx.query<{ at: Date, kind: string, ref: string }>(firstProofSql('$1', '$2', '$3', '$4'), [plan.resident_id, plan.site_id, from, until])).rows[0]
        if (proof) {
          await tx.query(`insert into daily_checkins (resident_id, day, window_start, window_end, status, confirmed_at, confirmed_by, confirm_ref)
                          values ($1, $2, $3, $4, 'confirmed', $5, $6, $7) on conflict do nothing`, [plan.resident_id, today, from, until, proof.at, proof.kind, proof.ref])
          result.confirmed++
          return
        }
        // no word within the window: a community worker is asked to reach them today
        const visitId = randomUUID()
        await tx.query('insert into visits (id, resident_id, due_date, planned_by) values ($1, $2, $3, $4)', [visitId, plan.resident_id, today, 'daily-checkin'])
        await tx.query(`insert into daily_checkins (resident_id, day, window_start, window_end, status, visit_id) values ($1, $2, $3, $4, 'follow_up', $5)`,
          [plan.resident_id, today, from, until, visitId])
        result.followUps++
      })
    }
    const { rows: open } = await this.app.db.query<{ resident_id: string, day: string, site_id: string, area_id: string, window_start: Date, visit_id: string }>(
      `select c.resident_id, c.day::text as day, r.site_id, s.area_id, c.window_start, c.visit_id
         from daily_checkins c join daily_checkin_plans p on p.resident_id = c.resident_id
         join residents r on r.id = c.resident_id join sites s on s.id = r.site_id
        where c.status = 'follow_up' and p.enabled and c.window_end + make_interval(mins => p.escalate_after_min) <= $1`, [new Date(now)])
    for (const c of open) {
      const seq = await this.app.db.transaction(async (tx) => {
        // Read again under the row's lock: a plan disabled since the select above has ended the
        // follow-up (setPlan), and it must not escalate.
        const still = await tx.query(`select 1 from daily_checkins c join daily_checkin_plans p on p.resident_id = c.resident_id
                                       where c.resident_id = $1 and c.day = $2 and c.status = 'follow_up' and p.enabled for update of c`, [c.resident_id, c.day])
        if (!still.rows[0]) return null
        const proof = (await tx.query<{ at: Date, kind: string, ref: string }>(firstProofSql('$1', '$2', '$3', '$4'), [c.resident_id, c.site_id, c.window_start, new Date(now)])).rows[0]
        if (proof) {
          await tx.query(`update daily_checkins set status = 'reached', confirmed_at = $3, confirmed_by = $4, confirm_ref = $5 where resident_id = $1 and day = $2 and status = 'follow_up'`,
            [c.resident_id, c.day, proof.at, proof.kind, proof.ref])
          result.reached++
          return null
        }
        // An alarm like a device's, one per resident and day: the engine opens the incident, the
        // effects announce it and tell the family.
        const row = await writeSystemAlarm(tx, {
          source: 'checkin', ref: c.resident_id, msgId: `${c.resident_id}/${c.day}`, type: 'checkin_missed', residentId: c.resident_id,
          at: new Date(now), payload: { day: c.day, visitId: c.visit_id }
        })
        await tx.query(`update daily_checkins set status = 'escalated' where resident_id = $1 and day = $2`, [c.resident_id, c.day])
        result.escalated++
        return row
      })
      const settled = seq === null ? null : await this.app.engine.settled(seq)
      if (settled?.incidentId) await this.app.db.query('update daily_checkins set incident_id = $3 where resident_id = $1 and day = $2', [c.resident_id, c.day, settled.incidentId])
    }
    if (result.followUps || result.escalated) this.log.info(result, 'daily check-ins swept')
    return result
  }

  private async residentInScope (id: string, scopePath: string): Promise<void> {
    const { rows } = await this.app.db.query(`select 1 from residents r join sites s on s.id = r.site_id join areas a on a.id = s.area_id where r.id = $1 and a.path like $2 || '%'`, [id, scopePath])
    if (!rows[0]) throw errors.NOT_FOUND('resident')
  }
}
