/**
 * Welfare rounds (issue 17): a supervisor checks on every resident of an area subtree at once.
 * The residents in scope are fixed when the round starts; the message is spoken on a device of
 * each home that can speak (`speak` commands [P-3.5], in batches that keep the gateway within its
 * command budget); each resident is confirmed by the first of an "I'm OK" press (`checkin` event
 * [P-3.2]), an answered call, a recorded visit or phone call after the start; at the deadline the
 * unconfirmed become P3 incidents (or visit tasks for their community workers), and the round's
 * figures are kept for the report.
 *
 * Confirmations are read from where they are recorded (the inbox, calls, visits) rather than
 * pushed by each feature, so nothing else needs to know a round is running.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { WelfareRoundDto } from '@eldercare/protocols'
import type { Queryable } from '../../db/db.ts'
import { errors } from '../../errors.ts'
import { localDate } from '../../lib/local-time.ts'
import { firstProofSql } from './proofs.ts'
import { systemSourceId, writeSystemAlarm } from '../incidents/system-alarms.ts'


/** Unconfirmed residents handled per transaction at the deadline: short transactions, few commits. */
const CLOSE_CHUNK = 100
/** How long closing a round waits for the engine to open its incidents, in ms. */
const SETTLE_TIMEOUT_MS = 60_000

/** Device types that can say the round's message, best first (an intercom has a speaker and a screen). */
export const SPEAKING_DEVICE_TYPES = ['intercom', 'wearable', 'sos_button'] as const

export interface WelfareOptions {
  /** `speak` commands per batch. Default 50. */
  broadcastBatchSize?: number
  /** Pause between batches, in ms. Default 1000: at most 50 commands/s reach the gateway. */
  broadcastIntervalMs?: number
  /** How often running rounds are checked against their deadline, in ms. Default 10000. */
  deadlineSweepMs?: number
  timeZone: string
  now: () => number
}

export interface Starter { id: string, username: string, areaPath: string }

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString())

export class WelfareRounds {
  private readonly batchSize: number
  private readonly intervalMs: number
  private readonly timers = new Set<NodeJS.Timeout>()
  private closing = false

  constructor (private readonly app: FastifyInstance, private readonly opts: WelfareOptions, private readonly log: FastifyBaseLogger) {
    this.batchSize = opts.broadcastBatchSize ?? 50
    this.intervalMs = opts.broadcastIntervalMs ?? 1000
  }

  /** `POST /api/welfare-rounds`: fixes who is in scope, then speaks the message in batches. */
  async start (user: Starter, input: { areaId: string, message: string, deadline: string, onUnconfirmed?: 'incident' | 'visit' }): Promise<WelfareRoundDto> {
    const deadline = new Date(input.deadline)
    const now = this.opts.now()
    if (deadline.getTime() <= now + 60_000) throw errors.VALIDATION('deadline must be at least a minute from now')
    if (deadline.getTime() > now + 7 * 86_400_000) throw errors.VALIDATION('deadline must be within 7 days')
    const { rows: areas } = await this.app.db.query<{ id: string, path: string }>(`select id, path from areas where id = $1 and path like $2 || '%'`, [input.areaId, user.areaPath])
    const area = areas[0]
    if (!area) throw errors.NOT_FOUND('area')
    const id = `wr-${randomUUID()}`
    await this.app.db.transaction(async (tx) => {
      await tx.query(`insert into welfare_rounds (id, area_id, message, deadline, on_unconfirmed, started_by, started_at) values ($1, $2, $3, $4, $5, $6, $7)`,
        [id, area.id, input.message, deadline, input.onUnconfirmed ?? 'incident', user.id, new Date(now)])
      // Everyone living under the area, and for each the device that will speak: theirs, else
      // their home's shared one, the best speaker first.
      await tx.query(
        `insert into welfare_round_residents (round_id, resident_id, site_id, community_id, device_id)
         select $1, r.id, r.site_id, s.area_id,
                (select d.id from devices d
                  where d.type = any($3) and (d.resident_id = r.id or (d.resident_id is null and d.site_id = r.site_id))
                  order by array_position($3, d.type), (d.resident_id is not null) desc, d.id limit 1)
           from residents r join sites s on s.id = r.site_id join areas a on a.id = s.area_id
          where a.path like $2 || '%'`, [id, area.path, [...SPEAKING_DEVICE_TYPES]])
      await this.app.audit.write({ userId: user.id, username: user.username, action: 'welfare_round.start', targetType: 'area', targetId: area.id, data: { roundId: id, deadline: deadline.toISOString(), onUnconfirmed: input.onUnconfirmed ?? 'incident' }, areaPath: user.areaPath }, tx)
    })
    this.broadcast(id, input.message).catch((err) => this.log.error({ err, roundId: id }, 'welfare round message not broadcast'))
    return this.get(id, user.areaPath)
  }

  /**
   * Sends `speak` to each speaking device once (a shared intercom serves everyone at its home),
   * `broadcastBatchSize` at a time with `broadcastIntervalMs` between batches.
   */
  async broadcast (roundId: string, text: string): Promise<number> {
    const { rows } = await this.app.db.query<{ device_id: string }>(
      'select distinct device_id from welfare_round_residents where round_id = $1 and device_id is not null order by device_id', [roundId])
    let sent = 0
    for (let i = 0; i < rows.length; i += this.batchSize) {
      if (this.closing) return sent
      if (i > 0) await this.sleep(this.intervalMs)
      for (const { device_id: deviceId } of rows.slice(i, i + this.batchSize)) {
        const cmd = await this.app.commands.send(deviceId, 'speak', { text, welfareRound: roundId })
        await this.app.db.query('update welfare_round_residents set command_id = $3 where round_id = $1 and device_id = $2', [roundId, deviceId, cmd.id])
        sent++
      }
    }
    return sent
  }

  /**
   * Confirms the unconfirmed residents of a round by the first proof after its start and up to
   * `until`: a checkin from their device (or their home's shared one), an answered call, a
   * visit or phone call recorded as done.
   */
  async refresh (roundId: string, until: Date, q: Queryable = this.app.db): Promise<void> {
    await q.query(
      `update welfare_round_residents w set confirmed_at = c.at, confirmed_by = c.kind, confirm_ref = c.ref
         from (
           select w2.resident_id, x.at, x.kind, x.ref
             from welfare_round_residents w2
             join welfare_rounds wr on wr.id = w2.round_id
             cross join lateral (${firstProofSql('w2.resident_id', 'w2.site_id', 'wr.started_at', '$2')}
             ) x
            where w2.round_id = $1 and w2.confirmed_at is null
         ) c
        where w.round_id = $1 and w.resident_id = c.resident_id`, [roundId, until])
  }

  async get (id: string, scopePath: string): Promise<WelfareRoundDto> {
    const { rows } = await this.app.db.query<Record<string, any>>(
      `select w.*, u.username as started_by_name from welfare_rounds w join areas a on a.id = w.area_id left join users u on u.id = w.started_by
        where w.id = $1 and a.path like $2 || '%'`, [id, scopePath])
    const r = rows[0]
    if (!r) throw errors.NOT_FOUND('welfare round')
    if (r.status === 'running') await this.refresh(id, new Date(Math.min(this.opts.now(), new Date(r.deadline).getTime())))
    return this.dto(r)
  }

  async list (scopePath: string, limit: number): Promise<Array<Omit<WelfareRoundDto, 'byCommunity' | 'unconfirmedResidents'>>> {
    const { rows } = await this.app.db.query<Record<string, any>>(
      `select w.*, u.username as started_by_name from welfare_rounds w join areas a on a.id = w.area_id left join users u on u.id = w.started_by
        where a.path like $1 || '%' order by w.started_at desc limit $2`, [scopePath, limit])
    return Promise.all(rows.map(async (r) => {
      const { byCommunity: _c, unconfirmedResidents: _u, ...summary } = await this.dto(r)
      return summary
    }))
  }

  /**
   * Closes every running round whose deadline has passed, and finishes any a crash left closed
   * without its figures; returns how many.
   */
  async sweepDeadlines (): Promise<number> {
    const { rows } = await this.app.db.query<{ id: string }>(
      `select id from welfare_rounds where (status = 'running' and deadline <= $1) or (status = 'closed' and figures is null) order by deadline`, [new Date(this.opts.now())])
    for (const { id } of rows) await this.close(id)
    return rows.length
  }

  /**
   * At the deadline: the confirmations up to it, then for each resident still unconfirmed a P3
   * incident (or a visit task) — an inbox row the incident engine opens like a device's alarm,
   * written in short transactions of CLOSE_CHUNK so that a round over a whole district never holds
   * the database for long; then, once the engine has opened them all, the figures for the report.
   */
  async close (id: string): Promise<void> {
    const round = await this.app.db.transaction(async (tx) => {
      const { rows } = await tx.query<Record<string, any>>(`select * from welfare_rounds where id = $1 for update`, [id])
      const r = rows[0]
      if (!r || r.figures !== null) return null
      if (r.status === 'running') {
        await this.refresh(id, new Date(r.deadline), tx)
        await tx.query(`update welfare_rounds set status = 'closed', closed_at = $2 where id = $1`, [id, new Date(this.opts.now())])
      }
      return r
    })
    if (!round) return
    const { rows: open } = await this.app.db.query<{ resident_id: string, site_id: string, community_id: string }>(
      'select resident_id, site_id, community_id from welfare_round_residents where round_id = $1 and confirmed_at is null and incident_id is null and visit_id is null order by resident_id', [id])
    let last: string | null = null
    for (let i = 0; i < open.length; i += CLOSE_CHUNK) {
      await this.app.db.transaction(async (tx) => {
        for (const r of open.slice(i, i + CLOSE_CHUNK)) {
          if (round.on_unconfirmed === 'visit') {
            const visitId = randomUUID()
            await tx.query('insert into visits (id, resident_id, due_date, planned_by) values ($1, $2, $3, $4)',
              [visitId, r.resident_id, localDate(this.opts.now(), this.opts.timeZone), 'welfare-round'])
            await tx.query('update welfare_round_residents set visit_id = $3 where round_id = $1 and resident_id = $2', [id, r.resident_id, visitId])
            continue
          }
          // P3 by the priority policy's fallback: a welfare concern, not a life-safety alarm. An
          // alarm like a device's: the engine opens it, the effects announce it and tell the family.
          last = await writeSystemAlarm(tx, {
            source: 'welfare', ref: id, msgId: `${id}/${r.resident_id}`, type: 'welfare_unconfirmed', residentId: r.resident_id,
            at: new Date(round.deadline), payload: { roundId: id, message: round.message }
          })
        }
      })
      this.app.engine.wake()
    }
    // The figures count the incidents: they are kept only once the engine has opened every one.
    // Should it not finish in time, the round stays without figures and the next sweep finishes it.
    if (last !== null && !(await this.app.engine.settled(last, SETTLE_TIMEOUT_MS))) throw new Error(`welfare round ${id}: the incident engine has not applied its alarms yet`)
    const linked = await this.app.db.query(
      `update welfare_round_residents w set incident_id = i.incident_id from inbox i
        where w.round_id = $1 and w.incident_id is null and i.device_id = $2 and i.msg_id = $1 || '/' || w.resident_id
          and i.type = 'welfare_unconfirmed' and i.incident_id is not null`, [id, systemSourceId('welfare', id)])
    const raised = linked.rowCount ?? 0
    if (round.on_unconfirmed !== 'visit') {
      // another engine sharing the database may still hold an earlier row: finish at the next sweep
      const { rows: left } = await this.app.db.query<{ n: string }>('select count(*) as n from welfare_round_residents where round_id = $1 and confirmed_at is null and incident_id is null', [id])
      if (Number(left[0].n) > 0) throw new Error(`welfare round ${id}: ${left[0].n} incidents not opened by the engine yet`)
    }
    const dto = await this.dto({ ...round, status: 'closed' })
    const { byCommunity, total, confirmed, unconfirmed, byKind, speak, incidents, visitTasks } = dto
    await this.app.db.query('update welfare_rounds set figures = $2 where id = $1', [id, JSON.stringify({ total, confirmed, unconfirmed, byKind, speak, incidents, visitTasks, byCommunity })])
    this.log.info({ roundId: id, total, confirmed, raised }, 'welfare round closed')
  }

  stop (): void {
    this.closing = true
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }

  private async dto (r: Record<string, any>, q: Queryable = this.app.db): Promise<WelfareRoundDto> {
    const [counts, communities, open] = await Promise.all([
      q.query<Record<string, string>>(
        `select count(*) as total, count(w.confirmed_at) as confirmed,
                count(*) filter (where w.confirmed_by = 'checkin') as checkin, count(*) filter (where w.confirmed_by = 'call') as call,
                count(*) filter (where w.confirmed_by = 'visit') as visit, count(*) filter (where w.confirmed_by = 'phone') as phone,
                count(distinct w.device_id) as devices, count(distinct w.command_id) as sent,
                count(distinct w.command_id) filter (where c.status = 'acked') as acked,
                count(w.incident_id) as incidents, count(w.visit_id) as visit_tasks
           from welfare_round_residents w left join commands c on c.id = w.command_id where w.round_id = $1`, [r.id]),
      q.query<{ area_id: string, name: string, total: string, confirmed: string }>(
        `select w.community_id as area_id, a.name, count(*) as total, count(w.confirmed_at) as confirmed
           from welfare_round_residents w join areas a on a.id = w.community_id where w.round_id = $1 group by w.community_id, a.name order by a.name`, [r.id]),
      q.query<{ resident_id: string, name: string, community_id: string, incident_id: string | null, visit_id: string | null }>(
        `select w.resident_id, rs.name, w.community_id, w.incident_id, w.visit_id from welfare_round_residents w join residents rs on rs.id = w.resident_id
          where w.round_id = $1 and w.confirmed_at is null order by w.community_id, rs.name`, [r.id])
    ])
    const c = counts.rows[0]
    const n = (k: string) => Number(c[k])
    return {
      id: r.id, areaId: r.area_id, message: r.message, deadline: iso(r.deadline)!, onUnconfirmed: r.on_unconfirmed, status: r.status,
      startedBy: r.started_by_name ?? null, startedAt: iso(r.started_at)!, closedAt: iso(r.closed_at ?? null),
      total: n('total'), confirmed: n('confirmed'), unconfirmed: n('total') - n('confirmed'),
      byKind: { checkin: n('checkin'), call: n('call'), visit: n('visit'), phone: n('phone') },
      speak: { devices: n('devices'), sent: n('sent'), acked: n('acked') },
      byCommunity: communities.rows.map((x) => ({ areaId: x.area_id, name: x.name, total: Number(x.total), confirmed: Number(x.confirmed) })),
      unconfirmedResidents: open.rows.map((x) => ({ residentId: x.resident_id, name: x.name, communityId: x.community_id, incidentId: x.incident_id, visitId: x.visit_id })),
      incidents: n('incidents'), visitTasks: n('visit_tasks')
    }
  }

  private sleep (ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.timers.delete(t); resolve() }, ms)
      this.timers.add(t)
    })
  }
}
