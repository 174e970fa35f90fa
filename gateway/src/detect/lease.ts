/**
 * The clock lease (migration 0009): the clock-driven rules run in exactly one process of the
 * cluster — the one holding the `detection_lease` row named 'clock', renewed on every tick and
 * taken over by another process once it has expired (a holder that stops releases it at once).
 * One statement claims or renews, so two processes can never both hold it.
 */
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { Sql } from '../store.ts'

export type LeaseResult =
  /** not the holder: another process runs the clock rules */
  | { held: false }
  /** the holder; `continuous` is false when someone else held it since this process last did */
  | { held: true, continuous: boolean }

export class ClockLease {
  readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
  private epoch: number | null = null

  constructor (private readonly sql: Sql, private readonly ttlMs: number, private readonly name = 'clock') {}

  async hold (now: number): Promise<LeaseResult> {
    const { rows } = await this.sql.query<{ epoch: string | number }>(
      `insert into detection_lease (name, holder, expires_at) values ($1, $2, $3)
       on conflict (name) do update set holder = excluded.holder, expires_at = excluded.expires_at,
         epoch = case when detection_lease.holder = excluded.holder then detection_lease.epoch else detection_lease.epoch + 1 end
       where detection_lease.holder = excluded.holder or detection_lease.expires_at <= $4
       returning epoch`, [this.name, this.holder, new Date(now + this.ttlMs), new Date(now)])
    if (!rows[0]) { this.epoch = null; return { held: false } }
    const epoch = Number(rows[0].epoch)
    const continuous = this.epoch === epoch
    this.epoch = epoch
    return { held: true, continuous }
  }

  /** Gives the lease up (at shutdown), so another process takes over on its next tick. */
  async release (): Promise<void> {
    this.epoch = null
    // expired, not deleted: the epoch keeps counting holders
    await this.sql.query('update detection_lease set expires_at = to_timestamp(0) where name = $1 and holder = $2', [this.name, this.holder])
  }
}
