/**
 * What the clock-driven device rules read from the platform's tables (devices, inbox): the only
 * SQL of detection outside its own state and settings.
 */
import type { Sql } from '../store.ts'
import type { DeviceSeen } from './rules/device-offline.ts'

/**
 * Rows per statement of the scans over every resident or device: a scan of all 10,000 at once
 * held the embedded database's worker ~60 ms, and every alarm statement waited behind it
 * (issue 11: an alarm waits for at most the statement running). A page is a short statement:
 * 1,000 rows held the worker 8.6 ms (median) under 10,000 msg/s, 250 rows ~1 ms — about what a
 * readings batch holds it.
 */
export const SCAN_PAGE_ROWS = 250

export class DetectionScans {
  constructor (private readonly sql: Sql, private readonly pageRows = SCAN_PAGE_ROWS) {}

  /** Per resident, when any of their devices was last seen: pages in resident order (migration 0025's index). */
  residentsLastSeen (): AsyncGenerator<Array<{ residentId: string, lastSeen: number }>> {
    return this.pages(async (after) => (await this.sql.query<{ resident_id: string, last: Date | string }>(
      `select resident_id, max(last_seen_at) as last from devices
        where resident_id is not null and resident_id > $1 and last_seen_at is not null
        group by resident_id order by resident_id limit $2`, [after, this.pageRows])).rows
      .map((r) => ({ residentId: r.resident_id, lastSeen: new Date(r.last).getTime() })), (r) => r.residentId)
  }

  /** Devices of the given types that have been seen at least once: pages in id order. */
  devicesSeen (types: string[]): AsyncGenerator<Array<DeviceSeen & { residentId: string | null }>> {
    return this.pages(async (after) => (await this.sql.query<{ id: string, type: string, resident_id: string | null, online: boolean, last_seen_at: Date | string }>(
      `select id, type, resident_id, online, last_seen_at from devices
        where type = any($1::text[]) and last_seen_at is not null and id > $2 order by id limit $3`, [types, after, this.pageRows])).rows
      .map((d) => ({ id: d.id, type: d.type, residentId: d.resident_id, online: d.online, lastSeen: new Date(d.last_seen_at).getTime() })), (d) => d.id)
  }

  /** Keyset pages: `read(after)` answers the next page after key `after` ('' first); the last page is the one not full. */
  private async * pages<R> (read: (after: string) => Promise<R[]>, key: (row: R) => string): AsyncGenerator<R[]> {
    for (let after = ''; ;) {
      const rows = await read(after)
      if (rows.length > 0) yield rows
      if (rows.length < this.pageRows) return
      after = key(rows[rows.length - 1])
    }
  }

  /** [P-3.2] Per device that sends periodic `test` events, its last one. */
  async lastTestEvents (): Promise<Array<{ deviceId: string, residentId: string | null, lastTest: number }>> {
    const { rows } = await this.sql.query<{ device_id: string, resident_id: string | null, last: Date | string }>(
      `select i.device_id, d.resident_id, max(i.received_at) as last from inbox i join devices d on d.id = i.device_id
        where i.kind = 'event' and i.type = 'test' group by i.device_id, d.resident_id`)
    return rows.map((r) => ({ deviceId: r.device_id, residentId: r.resident_id, lastTest: new Date(r.last).getTime() }))
  }
}
