/**
 * Per-resident detection settings: the overrides in `detection_settings` over the defaults
 * (protocols/src/detection.ts), cached — readings ask many times a second — and reloaded on a
 * change through the API, and at each scheduler tick when the table changed (./reads.ts: a
 * change another node made, or one whose notice was lost), a page at a time.
 */
import { effectiveDetectionSettings, type DetectionOverrides, type DetectionSettings } from '@eldercare/protocols'
import { jsonColumn } from '@eldercare/common'
import type { Sql } from '../store.ts'
import { ChangeMark, readInKeyOrder } from './reads.ts'

interface Row extends Record<string, unknown> { resident_id: string, overrides: DetectionOverrides }

export class DetectionSettingsCache {
  private overrides = new Map<string, DetectionOverrides>()
  /** effective settings per resident, computed once per reload */
  private readonly effective = new Map<string, DetectionSettings>()
  private readonly mark: ChangeMark

  constructor (private readonly sql: Sql) {
    this.mark = new ChangeMark(sql, "select count(*) || ':' || coalesce(sum(xmin::text::int8), 0) as mark from detection_settings")
  }

  /** Re-reads one resident's overrides, or all (when any changed since the last whole read). */
  async reload (residentId?: string): Promise<void> {
    if (residentId) {
      const { rows } = await this.sql.query<{ overrides: DetectionOverrides }>('select overrides from detection_settings where resident_id = $1', [residentId])
      if (rows[0]) this.overrides.set(residentId, jsonColumn<DetectionOverrides>(rows[0].overrides))
      else this.overrides.delete(residentId)
      this.effective.delete(residentId)
      return
    }
    await this.mark.ifChanged(async () => {
      const overrides = new Map<string, DetectionOverrides>()
      await readInKeyOrder<Row>(this.sql, { select: 'select resident_id, overrides from detection_settings', key: [{ column: 'resident_id', field: 'resident_id' }] },
        (r) => overrides.set(r.resident_id, jsonColumn<DetectionOverrides>(r.overrides)))
      this.overrides = overrides
      this.effective.clear()
    })
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

