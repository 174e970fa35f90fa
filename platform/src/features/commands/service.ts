import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { Command, CommandType } from '@eldercare/protocols'
import type { Db, Queryable } from '../../db/db.ts'

/**
 * Sends commands to devices: the gateway running in this process (`Gateway.publishCommand`). In
 * scaled mode every node's broker shares Redis with the others (gateway/src/cluster.ts), so the
 * command reaches the device on whichever node it is connected to.
 */
export interface CommandTransport {
  /** `expiresAt` (epoch ms): a command still queued then is not delivered [P-4.5]. */
  publishCommand(deviceId: string, command: Command, opts?: { expiresAt?: number }): Promise<void>
}

export interface CommandRecord {
  id: string
  deviceId: string
  type: string
  args: Record<string, unknown> | null
  status: 'sent' | 'acked' | 'failed' | 'timed_out'
  incidentId: string | null
  createdAt: string
  expiresAt: string | null
  /** when the command reached the device's connection (null while queued) [P-4.5] */
  deliveredAt: string | null
  doneAt: string | null
  error: string | null
}

export interface CommandServiceOptions {
  /** [P-3.6] A delivered command not acknowledged within this many ms is `timed_out`. Default 30000. */
  ackTimeoutMs?: number
  /** [P-4.5] A command still queued (device offline) after this many ms is not delivered and is `timed_out`. Default 1 h. */
  expiryMs?: number
  now?: () => number
}

/**
 * [P-3.5][P-3.6] Records each command (`sent`), publishes it, and moves it to
 * `acked | failed` on the device's answer or `timed_out` when none comes.
 */
export class CommandService {
  private readonly ackTimeoutMs: number
  private readonly expiryMs: number
  private readonly now: () => number
  private sweeper?: NodeJS.Timeout

  constructor (private readonly db: Db, private readonly transport: CommandTransport, private readonly log: Logger, opts: CommandServiceOptions = {}) {
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 30_000
    this.expiryMs = opts.expiryMs ?? 3_600_000
    this.now = opts.now ?? Date.now
  }

  async send (deviceId: string, type: CommandType, args: Record<string, unknown> | undefined, meta: { incidentId?: string | null, createdBy?: string | null } = {}, tx: Queryable = this.db): Promise<CommandRecord> {
    const id = `cmd-${randomUUID()}`
    const ts = this.now()
    await tx.query(
      `insert into commands (id, device_id, type, args, status, incident_id, created_by, created_at, expires_at)
       values ($1, $2, $3, $4, 'sent', $5, $6, $7, $8)`,
      [id, deviceId, type, args ? JSON.stringify(args) : null, meta.incidentId ?? null, meta.createdBy ?? null, new Date(ts), new Date(ts + this.expiryMs)])
    const command: Command = args ? { id, ts, type, args } : { id, ts, type }
    // Published only once the row is committed: a fast device's ack must find its command.
    tx.afterCommit(() => {
      this.transport.publishCommand(deviceId, command, { expiresAt: ts + this.expiryMs }).catch((err) => this.log.error({ deviceId, commandId: id, err }, 'command publish failed'))
    })
    return (await this.get(id, tx))!
  }

  async get (id: string, q: Queryable = this.db): Promise<CommandRecord | null> {
    const { rows } = await q.query<Record<string, any>>('select * from commands where id = $1', [id])
    const r = rows[0]
    if (!r) return null
    return {
      id: r.id, deviceId: r.device_id, type: r.type, args: r.args, status: r.status, incidentId: r.incident_id,
      createdAt: iso(r.created_at)!, expiresAt: iso(r.expires_at), deliveredAt: iso(r.delivered_at), doneAt: iso(r.done_at), error: r.error
    }
  }

  /**
   * Marks overdue commands `timed_out` and returns how many: delivered but not acknowledged
   * within the ack timeout [P-3.6], or never delivered before they expired [P-4.5].
   */
  async sweep (): Promise<number> {
    const now = new Date(this.now())
    const r = await this.db.query(
      `update commands set status = 'timed_out', done_at = $1
        where status = 'sent'
          and ((delivered_at is not null and delivered_at < $2)
               or (delivered_at is null and coalesce(expires_at, created_at) < $1))`,
      [now, new Date(this.now() - this.ackTimeoutMs)])
    return r.rowCount
  }

  start (intervalMs = 5000): void {
    this.sweeper = setInterval(() => { this.sweep().catch((err) => this.log.warn({ err }, 'command sweep failed')) }, intervalMs)
    this.sweeper.unref()
  }

  stop (): void {
    clearInterval(this.sweeper)
  }
}

export function iso (v: unknown): string | null {
  if (v === null || v === undefined) return null
  return (v instanceof Date ? v : new Date(v as string)).toISOString()
}
