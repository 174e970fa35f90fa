/**
 * The residents' safe zones (`safe_zones`, migration 0015) with the dementia flag from their
 * conditions, cached for the geofence_exit rule — positions arrive often — and reloaded on a change
 * through the API or on each scheduler tick, like the detection settings.
 */
import { hasDementia, type SafeZone, type SafeZoneSchedule, type SafeZoneShape } from '@eldercare/protocols'
import { jsonColumn } from '@eldercare/common'
import type { Sql } from '../store.ts'

export interface ResidentZone { zone: SafeZone, dementia: boolean }

interface Row { resident_id: string, zone: SafeZoneShape | string, grace_s: number, schedule: SafeZoneSchedule | string | null, conditions: string[] | string | null }

const SELECT = `select z.resident_id, z.zone, z.grace_s, z.schedule, r.conditions
  from safe_zones z join residents r on r.id = z.resident_id`

export class SafeZoneCache {
  private zones = new Map<string, ResidentZone>()

  constructor (private readonly sql: Sql) {}

  /** Re-reads one resident's zone, or all. */
  async reload (residentId?: string): Promise<void> {
    if (residentId) {
      const { rows } = await this.sql.query<Row>(`${SELECT} where z.resident_id = $1`, [residentId])
      if (rows[0]) this.zones.set(residentId, toZone(rows[0]))
      else this.zones.delete(residentId)
      return
    }
    const { rows } = await this.sql.query<Row>(SELECT)
    this.zones = new Map(rows.map((r) => [r.resident_id, toZone(r)]))
  }

  get (residentId: string): ResidentZone | undefined { return this.zones.get(residentId) }
}

function toZone (r: Row): ResidentZone {
  return {
    zone: { zone: jsonColumn(r.zone), graceS: Number(r.grace_s), schedule: r.schedule == null ? null : jsonColumn(r.schedule) },
    dementia: hasDementia(r.conditions == null ? [] : jsonColumn(r.conditions))
  }
}
