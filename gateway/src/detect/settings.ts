/**
 * Per-resident detection settings: the overrides in `detection_settings` over the defaults
 * (protocols/src/detection.ts), cached — readings ask many times a second — and reloaded on a
 * change through the API or on each scheduler tick.
 */
import { effectiveDetectionSettings, type DetectionOverrides, type DetectionSettings } from '@eldercare/protocols'
import { jsonColumn } from '@eldercare/common'
import type { Sql } from '../store.ts'

export class DetectionSettingsCache {
  private overrides = new Map<string, DetectionOverrides>()
  /** effective settings per resident, computed once per reload */
  private readonly effective = new Map<string, DetectionSettings>()

  constructor (private readonly sql: Sql) {}

  /** Re-reads one resident's overrides, or all. */
  async reload (residentId?: string): Promise<void> {
    if (residentId) {
      const { rows } = await this.sql.query<{ overrides: DetectionOverrides }>('select overrides from detection_settings where resident_id = $1', [residentId])
      if (rows[0]) this.overrides.set(residentId, jsonColumn<DetectionOverrides>(rows[0].overrides))
      else this.overrides.delete(residentId)
      this.effective.delete(residentId)
      return
    }
    const { rows } = await this.sql.query<{ resident_id: string, overrides: DetectionOverrides }>('select resident_id, overrides from detection_settings')
    this.overrides = new Map(rows.map((r) => [r.resident_id, jsonColumn<DetectionOverrides>(r.overrides)]))
    this.effective.clear()
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

