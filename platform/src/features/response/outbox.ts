/**
 * Notifications survive a crash (issue 14). A message for a durable channel is first a row of
 * `notification_outbox` (migration 0017); every platform process delivers due rows:
 *
 * - a row is claimed with `FOR UPDATE SKIP LOCKED` and a lease (`claimed_until`), so two processes
 *   never attempt it at once, and one killed mid-attempt leaves it to another when the lease ends;
 * - one attempt per claim; a retryable failure puts the row back with an exponential backoff
 *   (`next_attempt_at`), so a process killed mid-backoff loses nothing either;
 * - at least once: the row's id is the idempotency key inside the signed payload, the same on
 *   every attempt, so a receiver drops the repeat of a delivery whose answer was lost;
 * - once settled (delivered, or failed for good) the row keeps no phone number.
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { jsonColumn } from '@eldercare/common'
import { inTransaction, type Db, type Queryable } from '../../db/db.ts'
import type { Notification, NotificationChannel, NotificationStore } from './notify.ts'

export interface OutboxOptions {
  /** attempts in all, the first included. Default 5. */
  attempts?: number
  /** wait before the second attempt, doubled each time. Default 1000 ms. */
  backoffMs?: number
  /** how long a claim holds a row: longer than one attempt may take. Default 30000 ms. */
  leaseMs?: number
  /** how often due rows are looked for. Default 500 ms. */
  pollIntervalMs?: number
  /** rows claimed at once. Default 20. */
  batch?: number
}

type Record_ = (incidentId: string, kind: 'notified' | 'notification_failed', data: Record<string, unknown>) => Promise<void>

interface Claimed { id: string, channel: string, incident_id: string, payload: Notification, attempts: number }

export class NotificationOutbox implements NotificationStore {
  private readonly o: Required<OutboxOptions>
  private timer?: NodeJS.Timeout
  private running: Promise<number> | null = null

  constructor (
    private readonly db: Db,
    private readonly channels: Map<string, NotificationChannel>,
    private readonly record: Record_,
    private readonly log: Logger,
    opts: OutboxOptions = {}
  ) {
    const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined))
    this.o = { attempts: 5, backoffMs: 1000, leaseMs: 30_000, pollIntervalMs: 500, batch: 20, ...given }
  }

  /**
   * Writes the message for `channel`; resolves with its id (the idempotency key) once stored — or,
   * through a transaction, once queued to be stored with its commit (`Transaction.beforeCommit`:
   * nothing needs the insert's answer, the id is made here, so on PGlite it travels with the
   * COMMIT instead of costing a round trip of its own; issue 11). Its failure still fails the
   * transaction, which then rolls back as before.
   */
  async enqueue (channel: string, n: Notification, q: Queryable = this.db): Promise<string> {
    const id = randomUUID()
    const insert = 'insert into notification_outbox (id, channel, incident_id, payload) values ($1, $2, $3, $4)'
    const params = [id, channel, n.incidentId, JSON.stringify(n)]
    if (inTransaction(q)) q.beforeCommit(insert, params)
    else await q.query(insert, params)
    // in a transaction the row is visible once it commits: look for it then, not before
    q.afterCommit(() => this.wake())
    return id
  }

  /** A durable channel another feature owns (the integration accounts' webhooks) delivers through the same outbox. */
  addChannel (channel: NotificationChannel): void {
    this.channels.set(channel.name, channel)
  }

  start (): void {
    this.timer = setInterval(() => this.wake(), this.o.pollIntervalMs)
    this.timer.unref()
  }

  /** Stops looking for rows and waits for the attempts in progress; undelivered rows stay for any process. */
  async stop (): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.running
  }

  private wake (): void { void this.tick().catch((err) => this.log.warn({ err }, 'notification outbox pass failed')) }

  /** Claims the due rows and attempts each once; resolves with how many were attempted. Passes never overlap. */
  tick (): Promise<number> {
    if (this.running) return this.running
    this.running = this.pass().finally(() => { this.running = null })
    return this.running
  }

  /** Resolves when the rows `ids` are settled (tests, and a caller that must know). */
  async settled (ids: readonly string[]): Promise<void> {
    while (ids.length > 0) {
      await this.tick()
      const { rows } = await this.db.query<{ n: number | string }>('select count(*) as n from notification_outbox where id = any($1) and settled_at is null', [ids])
      if (Number(rows[0]?.n ?? 0) === 0) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  private async pass (): Promise<number> {
    const { rows } = await this.db.query<Claimed>(
      `update notification_outbox o set claimed_until = now() + make_interval(secs => $1::double precision / 1000), attempts = o.attempts + 1
        where o.id in (select id from notification_outbox
                        where settled_at is null and next_attempt_at <= now() and (claimed_until is null or claimed_until <= now())
                        order by next_attempt_at limit $2 for update skip locked)
        returning o.id, o.channel, o.incident_id, o.payload, o.attempts`, [this.o.leaseMs, this.o.batch])
    await Promise.all(rows.map((r) => this.attempt(r)))
    return rows.length
  }

  private async attempt (r: Claimed): Promise<void> {
    const n = jsonColumn<Notification>(r.payload)
    const base = { channel: r.channel, kind: n.kind, to: n.to.name, ...(n.to.role ? { role: n.to.role } : {}) }
    const channel = this.channels.get(r.channel)
    try {
      if (!channel?.attempt) throw Object.assign(new Error(`no durable channel "${r.channel}" on this node`), { retryable: false })
      await channel.attempt(n, { key: r.id, attempt: r.attempts })
    } catch (err) {
      const e = err as Error & { retryable?: boolean }
      if (e.retryable !== false && r.attempts < this.o.attempts) {
        await this.db.query(
          'update notification_outbox set claimed_until = null, next_attempt_at = now() + make_interval(secs => $2::double precision / 1000), last_error = $3 where id = $1',
          [r.id, this.o.backoffMs * 2 ** (r.attempts - 1), e.message])
        return
      }
      await this.settle(r.id, 'failed', e.message)
      await this.tell(channel, r.incident_id, 'notification_failed', { ...base, error: e.message })
      return
    }
    await this.settle(r.id, 'delivered', null)
    await this.tell(channel, r.incident_id, 'notified', base)
  }

  private async tell (channel: NotificationChannel | undefined, incidentId: string, kind: 'notified' | 'notification_failed', data: Record<string, unknown>): Promise<void> {
    if (channel?.timeline === false) {
      if (kind === 'notification_failed') this.log.warn({ incidentId, ...data }, 'notification failed for good')
      return
    }
    await this.record(incidentId, kind, data).catch((err) => this.log.warn({ err, incidentId }, 'notification result not recorded'))
  }

  private async settle (id: string, outcome: 'delivered' | 'failed', error: string | null): Promise<void> {
    await this.db.query(
      `update notification_outbox set settled_at = now(), outcome = $2, last_error = coalesce($3, last_error), claimed_until = null,
              payload = payload #- '{to,phone}' where id = $1`, [id, outcome, error])
  }
}
