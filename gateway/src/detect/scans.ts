/**
 * What the clock-driven device rules read from the platform's tables (devices, inbox): the only
 * SQL of detection outside its own state and settings.
 */
import type { Sql } from '../store.ts'
import type { DeviceSeen } from './rules/device-offline.ts'

export class DetectionScans {
  constructor (private readonly sql: Sql) {}

  /** Per resident, when any of their devices was last seen. */
  async residentsLastSeen (): Promise<Array<{ residentId: string, lastSeen: number }>> {
    const { rows } = await this.sql.query<{ resident_id: string, last: Date | string }>(
      'select resident_id, max(last_seen_at) as last from devices where resident_id is not null and last_seen_at is not null group by resident_id')
    return rows.map((r) => ({ residentId: r.resident_id, lastSeen: new Date(r.last).getTime() }))
  }

  /** Devices of the given types that have been seen at least once. */
  async devicesSeen (types: string[]): Promise<Array<DeviceSeen & { residentId: string | null }>> {
    const { rows } = await this.sql.query<{ id: string, type: string, resident_id: string | null, online: boolean, last_seen_at: Date | string }>(
      'select id, type, resident_id, online, last_seen_at from devices where type = any($1::text[]) and last_seen_at is not null', [types])
    return rows.map((d) => ({ id: d.id, type: d.type, residentId: d.resident_id, online: d.online, lastSeen: new Date(d.last_seen_at).getTime() }))
  }

  /** [P-3.2] Per device that sends periodic `test` events, its last one. */
  async lastTestEvents (): Promise<Array<{ deviceId: string, residentId: string | null, lastTest: number }>> {
    const { rows } = await this.sql.query<{ device_id: string, resident_id: string | null, last: Date | string }>(
      `select i.device_id, d.resident_id, max(i.received_at) as last from inbox i join devices d on d.id = i.device_id
        where i.kind = 'event' and i.type = 'test' group by i.device_id, d.resident_id`)
    return rows.map((r) => ({ deviceId: r.device_id, residentId: r.resident_id, lastTest: new Date(r.last).getTime() }))
  }
}
