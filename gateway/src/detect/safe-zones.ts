/**
 * The residents' safe zones (`safe_zones`, migration 0015) with the dementia flag from their
 * conditions, cached for the geofence_exit rule — positions arrive often — and reloaded on a change
 * through the API, and at each scheduler tick when a zone or its resident changed, a page at a
 * time, like the detection settings.
 */
import { hasDementia, type SafeZone, type SafeZoneSchedule, type SafeZoneShape } from '@eldercare/protocols'
import { jsonColumn } from '@eldercare/common'
import type { Sql } from '../store.ts'
import { ChangeMark, KeyedReads, readInKeyOrder } from './reads.ts'

export interface ResidentZone { zone: SafeZone, dementia: boolean }

interface Row extends Record<string, unknown> { resident_id: string, zone: SafeZoneShape | string, grace_s: number, schedule: SafeZoneSchedule | string | null, conditions: string[] | string | null }

const SELECT = `select z.resident_id, z.zone, z.grace_s, z.schedule, r.conditions
  from safe_zones z join residents r on r.id = z.resident_id`

export class SafeZoneCache {
  // the zones and their residents (whose conditions say dementia)
  private readonly zones: KeyedReads<ResidentZone>

  constructor (private readonly sql: Sql) {
    this.zones = new KeyedReads(new ChangeMark(sql, `select count(*) || ':' || coalesce(sum(z.xmin::text::int8), 0) || ':' || coalesce(sum(r.xmin::text::int8), 0) as mark
      from safe_zones z join residents r on r.id = z.resident_id`))
  }

  /** Re-reads one resident's zone, or all (when any zone or its resident changed since the last whole read). */
  async reload (residentId?: string): Promise<void> {
    if (residentId) {
      await this.zones.reloadOne(residentId, async () => {
        const { rows } = await this.sql.query<Row>(`${SELECT} where z.resident_id = $1`, [residentId])
        return rows[0] ? toZone(rows[0]) : undefined
      })
      return
    }
    await this.zones.reloadAll((put) => readInKeyOrder<Row>(this.sql, { select: SELECT, key: [{ column: 'z.resident_id', field: 'resident_id' }] }, (r) => put(r.resident_id, toZone(r))))
  }

  get (residentId: string): ResidentZone | undefined { return this.zones.get(residentId) }
}

function toZone (r: Row): ResidentZone {
  return {
    zone: { zone: jsonColumn(r.zone), graceS: Number(r.grace_s), schedule: r.schedule == null ? null : jsonColumn(r.schedule) },
    dementia: hasDementia(r.conditions == null ? [] : jsonColumn(r.conditions))
  }
}
