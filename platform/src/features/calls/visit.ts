/**
 * A completed care call recorded as a visit (探访) of method `video_call` in one step: it
 * completes the resident's oldest planned visit, or records an unplanned one on the call's day,
 * so the call counts toward the month's visit coverage.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Queryable } from '../../db/db.ts'
import { errors } from '../../errors.ts'
import { VISIT_OUTCOMES } from '../visits/service.ts'
import { localDate } from '../../lib/local-time.ts'
import type { CallRepository } from './repository.ts'
import type { Caller } from './service.ts'

export interface CallVisitInput {
  outcome: (typeof VISIT_OUTCOMES)[number]
  notes?: string
  /** opens a P3 incident of type visit_follow_up, as a visit recorded on the visits screen does */
  followUpNeeded?: boolean
}

export async function recordCallAsVisit (app: FastifyInstance, repo: CallRepository, user: Caller, callId: string, input: CallVisitInput, opts: { timeZone: string, now: () => number }): Promise<{ visitId: string, incidentId: string | null, planned: boolean }> {
  return app.db.transaction(async (tx: Queryable) => {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [callId])
    const call = await repo.get(callId, user.areaPath, tx)
    if (!call) throw errors.NOT_FOUND('call')
    if (call.visit_id) throw errors.CALL_VISIT_RECORDED(call.visit_id)
    if (call.status !== 'ended' || !call.answered_at) throw errors.CALL_NOT_COMPLETED(call.status)
    if (!call.resident_id) throw errors.CALL_NO_RESIDENT()
    const visitedAt = new Date(call.answered_at)
    let incidentId: string | null = null
    if (input.followUpNeeded) {
      const { rows } = await tx.query<{ site_id: string, area_id: string }>('select r.site_id, s.area_id from residents r join sites s on s.id = r.site_id where r.id = $1', [call.resident_id])
      incidentId = (await app.incidents.raise(tx, {
        type: 'visit_follow_up', siteId: rows[0].site_id, areaId: rows[0].area_id, residentId: call.resident_id, deviceId: null, at: new Date(opts.now()),
        // notes may be personal: the incident gets the outcome only
        source: { deviceId: `call:${call.id}`, msgId: call.id, kind: 'derived', payload: { callId: call.id, outcome: input.outcome } }
      })).id
    }
    const planned = await tx.query<{ id: string }>(`select id from visits where resident_id = $1 and status = 'planned' order by due_date limit 1 for update`, [call.resident_id])
    const visitId = planned.rows[0]?.id ?? randomUUID()
    if (planned.rows[0]) {
      await tx.query(`update visits set status = 'done', visited_at = $2, outcome = $3, notes = $4, follow_up_needed = $5, recorded_by = $6,
                      visitor_user_id = coalesce(visitor_user_id, $7), visitor_name = coalesce(visitor_name, $6), incident_id = $8, method = 'video_call', call_id = $9 where id = $1`,
      [visitId, visitedAt, input.outcome, input.notes ?? null, input.followUpNeeded ?? false, user.username, user.id, incidentId, call.id])
    } else {
      await tx.query(`insert into visits (id, resident_id, due_date, status, visitor_user_id, visitor_name, planned_by, visited_at, recorded_by, outcome, notes, follow_up_needed, incident_id, method, call_id)
                      values ($1, $2, $3, 'done', $4, $5, $5, $6, $5, $7, $8, $9, $10, 'video_call', $11)`,
      [visitId, call.resident_id, localDate(visitedAt.getTime(), opts.timeZone), user.id, user.username, visitedAt, input.outcome, input.notes ?? null, input.followUpNeeded ?? false, incidentId, call.id])
    }
    await repo.update(tx, call.id, { visitId })
    await repo.addEvent(tx, call.id, 'visit_recorded', new Date(opts.now()), user.id, { visitId, outcome: input.outcome, planned: Boolean(planned.rows[0]) })
    await app.audit.write({ userId: user.id, username: user.username, action: 'call.record_visit', targetType: 'call', targetId: call.id, data: { visitId, outcome: input.outcome, incidentId }, areaPath: user.areaPath }, tx)
    return { visitId, incidentId, planned: Boolean(planned.rows[0]) }
  })
}
