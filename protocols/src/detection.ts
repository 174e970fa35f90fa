/**
 * Readings and derived alarms: the vocabulary shared by the gateway (which stores readings and
 * detects) and the platform (which charts them and lets supervisors tune detection per resident).
 */
import { Type, type Static } from '@sinclair/typebox'

/** Numeric fields a reading may carry, as stored (booleans as 0/1) [P-3.1]. */
export const READING_FIELDS = ['hr', 'spo2', 'rr', 'sbp', 'dbp', 'temp', 'bed_occupied', 'bed_movement', 'steps', 'motion'] as const
export type ReadingField = (typeof READING_FIELDS)[number]

/** Rule names of derived alarms: the inbox row's `type` when `kind = 'derived'`. */
export const DERIVED_RULES = [
  'news2', 'hr_high', 'hr_low', 'spo2_low', 'temp_high', 'inactivity', 'bed_exit_not_back',
  'no_data', 'low_battery', 'device_offline', 'missed_test', 'geofence_exit'
] as const
export type DerivedRule = (typeof DERIVED_RULES)[number]

export type DerivedSeverity = 'high' | 'medium' | 'low'

/** Payload of a derived inbox row (`kind = 'derived'`, `msg_id = derived:<rule>:<subject>:<episode start ms>`). */
export interface DerivedAlarmPayload {
  rule: DerivedRule
  severity: DerivedSeverity
  residentId: string | null
  /** epoch ms the condition was met */
  at: number
  [detail: string]: unknown
}

const Clock = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'local time HH:MM' })
const Ms = (description: string) => Type.Integer({ minimum: 0, maximum: 30 * 24 * 3600_000, description })
const Threshold = Type.Object({
  enabled: Type.Optional(Type.Boolean()),
  value: Type.Optional(Type.Number({ description: 'threshold in the vital\'s unit' })),
  durationMs: Type.Optional(Ms('how long the condition must hold, ms'))
}, { additionalProperties: false })

/** Per-resident overrides of detection settings; every field optional (REST body of PUT …/detection). */
export const DetectionOverrides = Type.Object({
  timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone of the resident' })),
  hr_high: Type.Optional(Threshold),
  hr_low: Type.Optional(Threshold),
  spo2_low: Type.Optional(Threshold),
  temp_high: Type.Optional(Threshold),
  news2: Type.Optional(Type.Object({
    enabled: Type.Optional(Type.Boolean()),
    windowMs: Type.Optional(Ms('readings older than this are not scored, ms')),
    minParameters: Type.Optional(Type.Integer({ minimum: 1, maximum: 5, description: 'parameters needed to score' }))
  }, { additionalProperties: false })),
  inactivity: Type.Optional(Type.Object({
    enabled: Type.Optional(Type.Boolean()),
    afterMs: Type.Optional(Ms('no motion and no bed movement for this long, ms')),
    dayStart: Type.Optional(Clock),
    dayEnd: Type.Optional(Clock)
  }, { additionalProperties: false })),
  bed_exit_not_back: Type.Optional(Type.Object({
    enabled: Type.Optional(Type.Boolean()),
    afterMs: Type.Optional(Ms('out of bed at night for this long, ms')),
    nightStart: Type.Optional(Clock),
    nightEnd: Type.Optional(Clock)
  }, { additionalProperties: false })),
  no_data: Type.Optional(Type.Object({ enabled: Type.Optional(Type.Boolean()), afterMs: Type.Optional(Ms('silence of all devices, ms')) }, { additionalProperties: false })),
  low_battery: Type.Optional(Type.Object({
    enabled: Type.Optional(Type.Boolean()),
    belowPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    clearAbovePercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 }))
  }, { additionalProperties: false })),
  device_offline: Type.Optional(Type.Object({ enabled: Type.Optional(Type.Boolean()), graceMs: Type.Optional(Ms('offline this long, ms')) }, { additionalProperties: false })),
  missed_test: Type.Optional(Type.Object({
    enabled: Type.Optional(Type.Boolean()),
    intervalMs: Type.Optional(Ms('expected period of test events, ms')),
    graceMs: Type.Optional(Ms('extra time before a test counts as missed, ms'))
  }, { additionalProperties: false }))
}, { additionalProperties: false })
export type DetectionOverrides = Static<typeof DetectionOverrides>

type Required2<T> = { [K in keyof T]-?: T[K] extends object | undefined ? Required<NonNullable<T[K]>> : NonNullable<T[K]> }
export type DetectionSettings = Required2<DetectionOverrides>

/** Sensible defaults; per-resident overrides are merged over them field by field. */
export const DEFAULT_DETECTION_SETTINGS: DetectionSettings = {
  timeZone: 'Asia/Shanghai',
  hr_high: { enabled: true, value: 120, durationMs: 120_000 },
  hr_low: { enabled: true, value: 40, durationMs: 120_000 },
  spo2_low: { enabled: true, value: 90, durationMs: 60_000 },
  temp_high: { enabled: true, value: 38.5, durationMs: 0 },
  news2: { enabled: true, windowMs: 15 * 60_000, minParameters: 3 },
  inactivity: { enabled: true, afterMs: 6 * 3600_000, dayStart: '07:00', dayEnd: '22:00' },
  bed_exit_not_back: { enabled: true, afterMs: 30 * 60_000, nightStart: '22:00', nightEnd: '07:00' },
  no_data: { enabled: true, afterMs: 24 * 3600_000 },
  low_battery: { enabled: true, belowPercent: 20, clearAbovePercent: 30 },
  device_offline: { enabled: true, graceMs: 10 * 60_000 },
  missed_test: { enabled: true, intervalMs: 24 * 3600_000, graceMs: 3600_000 }
}

/** Defaults with a resident's overrides on top. */
export function effectiveDetectionSettings (overrides: DetectionOverrides | null | undefined): DetectionSettings {
  const out = structuredClone(DEFAULT_DETECTION_SETTINGS) as Record<string, unknown>
  for (const [k, v] of Object.entries(overrides ?? {})) {
    if (v === undefined) continue
    out[k] = typeof v === 'object' && v !== null ? { ...(out[k] as object), ...v } : v
  }
  return out as DetectionSettings
}

/** Minutes since local midnight of `at` in `timeZone` (falls back to UTC for an unknown zone). */
export function localMinutes (at: number, timeZone: string): number {
  const parts = clockFormat(timeZone).formatToParts(at)
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0)
  return get('hour') * 60 + get('minute')
}

/** One formatter per time zone: making one costs far more than using it, and the clock rules ask for every resident. */
const clockFormats = new Map<string, Intl.DateTimeFormat>()
function clockFormat (timeZone: string): Intl.DateTimeFormat {
  let f = clockFormats.get(timeZone)
  if (!f) {
    const opts = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } as const
    // an unknown zone (settings are validated, but be safe) falls back to UTC
    try { f = new Intl.DateTimeFormat('en-GB', { timeZone, ...opts }) } catch { f = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', ...opts }) }
    if (clockFormats.size < 1000) clockFormats.set(timeZone, f)
  }
  return f
}

/** Whether local time `minutes` lies in [start, end), where the window may wrap midnight. */
export function inLocalWindow (minutes: number, start: string, end: string): boolean {
  const s = clockMinutes(start)
  const e = clockMinutes(end)
  return s <= e ? minutes >= s && minutes < e : minutes >= s || minutes < e
}

export function clockMinutes (hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number)
  return (h ?? 0) * 60 + (m ?? 0)
}

/** One bucket of a downsampled series. */
export interface VitalPointDto { t: number, mean: number, min: number, max: number }

/** `GET /api/residents/:id/vitals` */
export interface VitalsSeriesDto {
  residentId: string
  from: number
  to: number
  stepMs: number
  series: Partial<Record<ReadingField, VitalPointDto[]>>
  latest: Partial<Record<ReadingField, { value: number, at: number }>>
}

/** `GET|PUT /api/residents/:id/detection` */
export interface DetectionSettingsDto {
  residentId: string
  overrides: DetectionOverrides
  effective: DetectionSettings
}
