/**
 * How far a responder is from the person (issue 15): measured from the responder's registered
 * base to the incident's position when it has one, else to the home. One rule for the candidates
 * list and for the responder on the incident, so the console shows the same figure in both.
 */
import { distanceM, type IncidentPositionDto, type LatLng } from '@eldercare/protocols'
import { jsonColumn } from '@eldercare/common'

export interface DistanceTarget { target: LatLng | null, from: 'position' | 'home' }

/** The point responders are measured to. `position` as stored (jsonb, or its text on some drivers). */
export function distanceTarget (position: IncidentPositionDto | string | null | undefined, home: { lat: unknown, lng: unknown }): DistanceTarget {
  const p = jsonColumn<IncidentPositionDto | null | undefined>(position)
  if (p) return { target: { lat: p.lat, lng: p.lng }, from: 'position' }
  return { target: home.lat != null && home.lng != null ? { lat: Number(home.lat), lng: Number(home.lng) } : null, from: 'home' }
}

/** Whole metres, straight line; null when either side has no coordinates. */
export function metresFrom (t: DistanceTarget, responder: { lat: unknown, lng: unknown }): number | null {
  if (!t.target || responder.lat == null || responder.lng == null) return null
  return Math.round(distanceM(t.target, { lat: Number(responder.lat), lng: Number(responder.lng) }))
}
