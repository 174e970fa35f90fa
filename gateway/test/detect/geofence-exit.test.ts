/**
 * The geofence_exit rule (issue 15) with a fake clock: enter, leave, a brief excursion below the
 * grace, the schedule, dementia → high severity, the zone removed.
 */
import { describe, expect, it } from 'vitest'
import { distanceM, type SafeZone } from '@eldercare/protocols'
import { checkGeofence, onPosition, type GeoInput, type GeofenceSubject } from '../../src/detect/rules/geofence-exit.ts'
import type { ActiveEpisode, RuleState } from '../../src/detect/types.ts'

const MIN = 60_000
const HOME = { lat: 39.915, lng: 116.404 }
/** ~1.1 km north of home */
const MARKET = { lat: 39.925, lng: 116.404 }
const circle: SafeZone = { zone: { circle: { ...HOME, radiusM: 300 } }, graceS: 300, schedule: null }
const subject = (over: Partial<GeofenceSubject> = {}, zone: Partial<SafeZone> = {}): GeofenceSubject =>
  ({ zone: { ...circle, ...zone }, dementia: false, timeZone: 'Asia/Shanghai', ...over })
/** 2026-11-23 00:00 in Asia/Shanghai */
const DAY = Date.UTC(2026, 10, 22, 16)
const NOON = DAY + 12 * 60 * MIN
const NO_STATE: RuleState = { mem: {} }
const active = (over: Partial<ActiveEpisode> = {}): RuleState => ({ mem: {}, active: { start: 0, severity: 'medium', deviceId: 'w1', lastAt: 0, repeats: 0, details: {}, ...over } })

/** Feeds positions in order; returns the input after each. */
function feed (s: GeofenceSubject | undefined, steps: Array<[number, { lat: number, lng: number, acc?: number }]>, from: GeoInput = {}): GeoInput {
  let input = from
  for (const [t, p] of steps) input = onPosition(input, s, t, p, 'w1').input
  return input
}

describe('geofence_exit rule (fake clock)', () => {
  it('inside the zone: nothing pending, nothing raised', () => {
    const s = subject()
    const geo = feed(s, [[NOON, HOME], [NOON + MIN, { lat: 39.916, lng: 116.404 }]])
    expect(geo.outsideSince).toBeUndefined()
    expect(checkGeofence(NO_STATE, geo, s, NOON + 30 * MIN)).toEqual({ mem: {} })
  })

  it('leaving is written at once; outside past the grace raises medium with the position, from when the grace ran out', () => {
    const s = subject()
    const left = onPosition({ at: NOON, lat: HOME.lat, lng: HOME.lng, deviceId: 'w1' }, s, NOON + MIN, MARKET, 'w1')
    expect(left.save).toBe('now')
    expect(left.input.outsideSince).toBe(NOON + MIN)
    const moved = onPosition(left.input, s, NOON + 2 * MIN, { lat: 39.926, lng: 116.404, acc: 20 }, 'w1')
    expect(moved.save).toBe('memory') // same side: memory only
    expect(moved.input.outsideSince).toBe(NOON + MIN)
    expect(checkGeofence(NO_STATE, moved.input, s, NOON + 5 * MIN).raise).toBeUndefined() // 4 min < 5 min grace
    const step = checkGeofence(NO_STATE, moved.input, s, NOON + 6 * MIN + 10_000)
    expect(step.raise).toEqual({
      severity: 'medium',
      at: NOON + 6 * MIN,
      deviceId: 'w1',
      details: { position: { lat: 39.926, lng: 116.404, acc: 20, at: NOON + 2 * MIN }, outsideSince: NOON + MIN, graceS: 300, dementia: false }
    })
  })

  it('a brief excursion below the grace raises nothing, and coming back is written at once', () => {
    const s = subject()
    const out = feed(s, [[NOON, HOME], [NOON + MIN, MARKET], [NOON + 3 * MIN, MARKET]])
    expect(checkGeofence(NO_STATE, out, s, NOON + 4 * MIN).raise).toBeUndefined()
    const back = onPosition(out, s, NOON + 4 * MIN, HOME, 'w1')
    expect(back.save).toBe('now')
    expect(back.input.outsideSince).toBeUndefined()
    expect(checkGeofence(NO_STATE, back.input, s, NOON + 60 * MIN).raise).toBeUndefined()
  })

  it('returning inside clears the episode (no new alarm); a later excursion is a new episode', () => {
    const s = subject()
    const back = feed(s, [[NOON + 10 * MIN, HOME]], { at: NOON, lat: MARKET.lat, lng: MARKET.lng, outsideSince: NOON - 10 * MIN, deviceId: 'w1' })
    expect(checkGeofence(active(), back, s, NOON + 11 * MIN)).toEqual({ mem: {}, clear: NOON + 10 * MIN })
    const again = feed(s, [[NOON + 20 * MIN, MARKET]], back)
    expect(checkGeofence(NO_STATE, again, s, NOON + 26 * MIN).raise?.at).toBe(NOON + 25 * MIN)
  })

  it('an accuracy circle that still reaches inside is not an excursion', () => {
    const s = subject()
    const near = { lat: 39.9185, lng: 116.404 } // ~390 m out, radius 300
    expect(distanceM(near, HOME)).toBeGreaterThan(300)
    expect(feed(s, [[NOON, { ...near, acc: 150 }]]).outsideSince).toBeUndefined()
    expect(feed(s, [[NOON, { ...near, acc: 20 }]]).outsideSince).toBe(NOON)
  })

  it('a polygon zone: outside the polygon counts', () => {
    const s = subject({}, { zone: { polygon: [[39.91, 116.40], [39.92, 116.40], [39.92, 116.41], [39.91, 116.41]] } })
    expect(feed(s, [[NOON, HOME]]).outsideSince).toBeUndefined()
    expect(feed(s, [[NOON, { lat: 39.93, lng: 116.405 }]]).outsideSince).toBe(NOON)
  })

  it('a resident flagged with dementia: high severity (P1)', () => {
    const s = subject({ dementia: true })
    const out = feed(s, [[NOON, MARKET]])
    expect(checkGeofence(NO_STATE, out, s, NOON + 5 * MIN).raise?.severity).toBe('high')
  })

  it('schedule (night only, 20:00–07:00): a day excursion raises nothing; at night it does; the watch ending clears', () => {
    const night = subject({}, { schedule: { start: '20:00', end: '07:00' } })
    const dayOut = feed(night, [[NOON, MARKET]])
    expect(checkGeofence(NO_STATE, dayOut, night, NOON + 60 * MIN).raise).toBeUndefined()
    // out since noon; the watch begins at 20:00 and the grace counts from there
    const at20 = DAY + 20 * 60 * MIN
    expect(checkGeofence(NO_STATE, dayOut, night, at20 + 2 * MIN).raise).toBeUndefined()
    expect(checkGeofence(NO_STATE, dayOut, night, at20 + 5 * MIN).raise?.at).toBe(at20 + 5 * MIN)
    const nightOut = feed(night, [[DAY + 23 * 60 * MIN, MARKET]])
    expect(checkGeofence(NO_STATE, nightOut, night, DAY + 23 * 60 * MIN + 5 * MIN).raise?.severity).toBe('medium')
    // 07:00 next day: the watch ends, the episode clears
    const morning = DAY + 31 * 60 * MIN
    expect(checkGeofence(active(), nightOut, night, morning)).toEqual({ mem: {}, clear: morning })
  })

  it('no zone: positions are kept but never outside; an active episode clears when the zone is removed', () => {
    const geo = feed(undefined, [[NOON, MARKET]])
    expect(geo).toMatchObject({ at: NOON, lat: MARKET.lat, lng: MARKET.lng })
    expect(geo.outsideSince).toBeUndefined()
    const out = feed(subject(), [[NOON, MARKET]])
    expect(checkGeofence(active(), out, undefined, NOON + MIN)).toEqual({ mem: {}, clear: NOON + MIN })
  })

  it('an older position than the latest is ignored; an active episode repeats nothing', () => {
    const s = subject()
    const out = feed(s, [[NOON, MARKET]])
    const late = onPosition(out, s, NOON - MIN, HOME, 'w1')
    expect(late.input).toBe(out)
    expect(checkGeofence(active(), out, s, NOON + 30 * MIN)).toEqual({ mem: {} })
  })
})
