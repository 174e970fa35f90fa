/**
 * Geofence exit (防走失, issue 15): a wearer outside the resident's safe zone for longer than the
 * zone's grace (default 300 s), while the zone is watched (its schedule), raises `geofence_exit` —
 * high severity (P1) for a resident flagged with dementia, else medium (P2). The alarm carries
 * the position that decided it; the platform makes the incident follow later positions.
 *
 * Positions are an input any gateway feeds as they arrive (`input:geo`: the last position and
 * since when the wearer has been outside); the check runs on the clock, in the one process holding
 * the clock lease, like bed exit. Pure: state, input, zone and the clock's `now` in.
 */
import { clockMinutes, insideSafeZone, localMinutes, safeZoneWatched, type SafeZone } from '@eldercare/protocols'
import type { InputStep, RuleState, RuleStep } from '../types.ts'

export const GEO_INPUT = 'input:geo'

export interface GeoInput {
  /** epoch ms of the latest position */
  at?: number
  lat?: number
  lng?: number
  acc?: number | null
  deviceId?: string
  /** epoch ms of the first position outside the zone, while none inside has followed */
  outsideSince?: number
}

/** What the rule needs of a resident's zone: the zone and the resident's flag and time zone. */
export interface GeofenceSubject { zone: SafeZone, dementia: boolean, timeZone: string }

/**
 * A position (WGS-84) of the resident's wearable at `ts`. Crossing the edge either way is written
 * at once (the clock's owner may be another process); a move on the same side only in memory.
 * An older position than the latest is ignored.
 */
export function onPosition (input: GeoInput, subject: GeofenceSubject | undefined, ts: number,
  pos: { lat: number, lng: number, acc?: number | null }, deviceId: string): InputStep<GeoInput> {
  if (input.at !== undefined && ts < input.at) return { input, save: 'memory' }
  const next: GeoInput = { at: ts, lat: pos.lat, lng: pos.lng, acc: pos.acc ?? null, deviceId }
  const outside = subject !== undefined && !insideSafeZone(pos, subject.zone.zone)
  if (outside) next.outsideSince = input.outsideSince ?? ts
  const crossed = (input.outsideSince !== undefined) !== (next.outsideSince !== undefined)
  return { input: next, save: crossed ? 'now' : 'memory' }
}

/** The clock's check at `now`. */
export function checkGeofence (st: RuleState, geo: GeoInput | undefined, subject: GeofenceSubject | undefined, now: number): RuleStep {
  const keep = { mem: st.mem }
  if (!geo) return keep
  const since = geo.outsideSince
  // back inside, the zone removed, or outside the watched hours: the episode ends (the incident
  // stays open until an operator closes it; the platform records the return on its timeline)
  if (st.active && (since === undefined || !subject || !safeZoneWatched(subject.zone.schedule, now, subject.timeZone))) {
    return { ...keep, clear: since === undefined ? geo.at ?? now : now }
  }
  if (st.active || since === undefined || !subject) return keep
  const schedule = subject.zone.schedule
  if (!safeZoneWatched(schedule, now, subject.timeZone)) return keep
  // the grace counts from leaving, or from when the current watch began if that was later
  const start = schedule ? Math.max(since, watchStart(schedule.start, now, subject.timeZone)) : since
  const graceMs = subject.zone.graceS * 1000
  if (now - start < graceMs) return keep
  return {
    ...keep,
    raise: {
      severity: subject.dementia ? 'high' : 'medium',
      at: start + graceMs,
      deviceId: geo.deviceId,
      details: {
        position: { lat: geo.lat, lng: geo.lng, acc: geo.acc ?? null, at: geo.at },
        outsideSince: since,
        graceS: subject.zone.graceS,
        dementia: subject.dementia
      }
    }
  }
}

/** The latest time at or before `now` when the local clock read `hhmm` (whole minutes). */
function watchStart (hhmm: string, now: number, timeZone: string): number {
  const since = (localMinutes(now, timeZone) - clockMinutes(hhmm) + 1440) % 1440
  return now - (now % 60_000) - since * 60_000
}
