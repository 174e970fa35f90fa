/**
 * Safe zones (防走失, issue 15): where a resident's wearable is expected to stay, and when.
 * Shared by the platform (REST validation), the gateway's `geofence_exit` rule and the console.
 */
import { Type, type Static } from '@sinclair/typebox'
import { inLocalWindow, localMinutes } from './detection.ts'
import { distanceM, insidePolygon, type LatLng } from './geo.ts'

const Lat = Type.Number({ minimum: -90, maximum: 90, description: 'WGS-84 latitude, degrees' })
const Lng = Type.Number({ minimum: -180, maximum: 180, description: 'WGS-84 longitude, degrees' })
const Clock = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'local time HH:MM (the resident\'s time zone)' })

/** A circle; without lat/lng it is centred on the resident's home (the site's coordinates). */
export const SafeZoneCircle = Type.Object({
  lat: Type.Optional(Lat), lng: Type.Optional(Lng),
  radiusM: Type.Optional(Type.Number({ minimum: 20, maximum: 50_000, description: 'metres; default 500' }))
}, { additionalProperties: false })

/** When the zone is watched: every day from `start` to `end` local time (may wrap midnight, e.g. 20:00–07:00 = nights). */
export const SafeZoneSchedule = Type.Object({ start: Clock, end: Clock }, { additionalProperties: false })
export type SafeZoneSchedule = Static<typeof SafeZoneSchedule>

/** PUT /api/residents/:id/safe-zone: a circle or a polygon (3–200 [lat, lng] corners). */
export const SafeZoneBody = Type.Union([
  Type.Object({
    circle: SafeZoneCircle,
    graceS: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400, description: 'seconds outside before the alarm (default 300)' })),
    schedule: Type.Optional(Type.Union([SafeZoneSchedule, Type.Null()]))
  }, { additionalProperties: false }),
  Type.Object({
    polygon: Type.Array(Type.Tuple([Lat, Lng]), { minItems: 3, maxItems: 200 }),
    graceS: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400 })),
    schedule: Type.Optional(Type.Union([SafeZoneSchedule, Type.Null()]))
  }, { additionalProperties: false })
])
export type SafeZoneBody = Static<typeof SafeZoneBody>

export type SafeZoneShape = { circle: { lat: number, lng: number, radiusM: number } } | { polygon: Array<[number, number]> }

export interface SafeZone {
  zone: SafeZoneShape
  graceS: number
  schedule: SafeZoneSchedule | null
}

export const DEFAULT_SAFE_ZONE_GRACE_S = 300
/** Radius of the default circle around the home when a supervisor asks for one without a shape. */
export const DEFAULT_SAFE_ZONE_RADIUS_M = 500

/**
 * Whether a position is inside the zone. For a circle, a position counts as outside only when it
 * is beyond the edge by more than its accuracy (a vague fix on the edge is not an excursion).
 * A polygon is tested on the point itself.
 */
export function insideSafeZone (p: LatLng & { acc?: number | null }, zone: SafeZoneShape): boolean {
  if ('circle' in zone) return distanceM(p, zone.circle) <= zone.circle.radiusM + Math.max(0, p.acc ?? 0)
  return insidePolygon(p, zone.polygon)
}

/** Whether the zone is watched at `at` (no schedule: always). */
export function safeZoneWatched (schedule: SafeZoneSchedule | null | undefined, at: number, timeZone: string): boolean {
  if (!schedule) return true
  return inLocalWindow(localMinutes(at, timeZone), schedule.start, schedule.end)
}

/** Words of a dementia or cognitive-impairment diagnosis in a resident's conditions (Chinese and English). */
const DEMENTIA_WORDS = ['痴呆', '认知障碍', '认知症', '阿尔茨海默', 'dementia', 'alzheimer', 'cognitive impairment']

/** A resident flagged with dementia: a `geofence_exit` is then high severity (P1). */
export function hasDementia (conditions: readonly string[] | null | undefined): boolean {
  return (conditions ?? []).some((c) => DEMENTIA_WORDS.some((w) => c.toLowerCase().includes(w)))
}
