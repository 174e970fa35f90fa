/**
 * Per-resident detection settings: the overrides in `detection_settings` over the defaults
 * (protocols/src/detection.ts), cached — readings ask many times a second — and reloaded on a
 * change through the API, and at each scheduler tick when the table changed (./reads.ts: a
 * change another node made, or one whose notice was lost), a page at a time.
 */
import { effectiveDetectionSettings, type DetectionOverrides, type DetectionSettings } from '@eldercare/protocols'
import { jsonColumn } from '@eldercare/common'
import type { Sql } from '../store.ts'
import { ChangeMark, KeyedReads, readInKeyOrder } from './reads.ts'

interface Row extends Record<string, unknown> { resident_id: string, overrides: DetectionOverrides }

export class DetectionSettingsCache {
  private readonly overrides: KeyedReads<DetectionOverrides>
  /** effective settings per resident, computed once per reload */
  private readonly effective = new Map<string, DetectionSettings>()

  constructor (private readonly sql: Sql) {
    const mark = new ChangeMark(sql, "select count(*) || ':' || coalesce(sum(xmin::text::int8), 0) as mark from detection_settings")
    this.overrides = new KeyedReads(mark, (residentId) => {
      if (residentId === undefined) this.effective.clear()
      else this.effective.delete(residentId)
    })
  }

  /** Re-reads one resident's overrides, or all (when any changed since the last whole read). */
  async reload (residentId?: string): Promise<void> {
    if (residentId) {
      await this.overrides.reloadOne(residentId, async () => {
        const { rows } = await this.sql.query<{ overrides: DetectionOverrides }>('select overrides from detection_settings where resident_id = $1', [residentId])
        return rows[0] ? jsonColumn<DetectionOverrides>(rows[0].overrides) : undefined
      })
      return
    }
    await this.overrides.reloadAll((put) => readInKeyOrder<Row>(this.sql, { select: 'select resident_id, overrides from detection_settings', key: [{ column: 'resident_id', field: 'resident_id' }] },
      (r) => put(r.resident_id, jsonColumn<DetectionOverrides>(r.overrides))))
  }

  /**
   * A resident without overrides gets the one shared copy of the defaults: a copy per resident
   * cost a structuredClone on every reload (each tick) and ~2 KiB a resident (issue 11, memory).
   */
  get (residentId: string | null): DetectionSettings {
    const overrides = residentId ? this.overrides.get(residentId) : undefined
    const id = overrides ? residentId! : ''
    let s = this.effective.get(id)
    if (!s) { s = effectiveDetectionSettings(overrides); this.effective.set(id, s) }
    return s
  }
}

