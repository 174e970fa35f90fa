/**
 * The detection rules as pure functions: state and input in, memory and an alarm (or a clear)
 * out, the clock passed in. The same rules on a real database: tests/readings/detection-rules.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { effectiveDetectionSettings } from '@eldercare/protocols'
import { applyTrigger, episodeMsgId } from '../../src/detect/episodes.ts'
import { checkBedNotBack, onBedOccupancy } from '../../src/detect/rules/bed-exit-not-back.ts'
import { checkDeviceOffline } from '../../src/detect/rules/device-offline.ts'
import { ACTIVITY_SAVE_MS, checkInactivity, isActivity, onActivity } from '../../src/detect/rules/inactivity.ts'
import { onBattery } from '../../src/detect/rules/low-battery.ts'
import { checkMissedTest } from '../../src/detect/rules/missed-test.ts'
import { rememberNews2, scoreNews2, type News2Mem } from '../../src/detect/rules/news2.ts'
import { checkNoData } from '../../src/detect/rules/no-data.ts'
import { threshold } from '../../src/detect/rules/threshold.ts'
import type { ActiveEpisode, RuleState } from '../../src/detect/types.ts'

const MIN = 60_000
const HOUR = 60 * MIN
const cfg = effectiveDetectionSettings(undefined)
/** 2026-11-23 00:00 in Asia/Shanghai (the default resident time zone). */
const DAY = Date.UTC(2026, 10, 22, 16)
const local = (h: number, m = 0) => DAY + h * HOUR + m * MIN
const episode = (over: Partial<ActiveEpisode> = {}): ActiveEpisode => ({ start: 1, severity: 'medium', deviceId: 'w1', lastAt: 1, repeats: 0, details: {}, ...over })
const fresh = <M = Record<string, any>>(mem = {} as M, active?: ActiveEpisode): RuleState<M> => (active ? { mem, active } : { mem })

describe('threshold with duration', () => {
  it('starts pending (saved at once), raises after the duration, clears on a reading back inside', () => {
    const a = threshold('hr_high', fresh(), cfg, 0, 130, 5 * MIN)
    expect(a).toEqual({ mem: { since: 0, lastTs: 0 }, save: 'now' })
    const b = threshold('hr_high', fresh(a.mem), cfg, MIN, 130, 5 * MIN)
    expect(b).toEqual({ mem: { since: 0, lastTs: MIN }, save: 'memory' }) // only the last time moved
    const c = threshold('hr_high', fresh(b.mem), cfg, 2 * MIN, 151, 5 * MIN)
    expect(c.raise).toEqual({ severity: 'high', at: 2 * MIN, details: { vital: 'hr', value: 151, threshold: 120, durationMs: 2 * MIN } })
    const d = threshold('hr_high', fresh(c.mem, episode()), cfg, 3 * MIN, 80, 5 * MIN)
    expect(d).toEqual({ mem: {}, save: 'now', clear: 3 * MIN })
  })

  it('a gap longer than the bound restarts the duration; a disabled rule never holds', () => {
    expect(threshold('hr_high', fresh({ since: 0, lastTs: 0 }), cfg, 6 * MIN, 130, 5 * MIN).mem).toEqual({ since: 6 * MIN, lastTs: 6 * MIN })
    const off = { ...cfg, temp_high: { ...cfg.temp_high, enabled: false } }
    expect(threshold('temp_high', fresh(), off, 0, 41, 5 * MIN)).toEqual({ mem: {}, save: undefined, clear: undefined })
  })
})

describe('NEWS2', () => {
  it('keeps the latest reading of each parameter and scores those within the window', () => {
    const mem: News2Mem = {}
    expect(rememberNews2(mem, { ts: 10, fields: { rr: 21, hr: 111, temp: 38.1, spo2: 97, sbp: 130 } })).toBe(true)
    expect(rememberNews2(mem, { ts: 5, fields: { rr: 12 } })).toBe(false) // older than the one remembered: ignored
    expect(rememberNews2(mem, { ts: 10, fields: { motion: 1 } })).toBe(false) // no NEWS2 parameter
    expect(mem.rr).toEqual({ value: 21, at: 10 })
    expect(rememberNews2(mem, { ts: 11, fields: { rr: 22 } })).toBe(true) // the same record, moved on in place
    expect(mem.rr).toEqual({ value: 22, at: 11 })
    expect(rememberNews2(mem, { ts: 10, fields: { rr: 21 } })).toBe(false)
    expect(mem.hr).toEqual({ value: 111, at: 10 })
    const step = scoreNews2(fresh(mem), cfg, 10)
    expect(step.raise).toMatchObject({ severity: 'medium', at: 10, details: { score: 5, consciousness: 'assumed_alert' } })
    expect(scoreNews2(fresh(mem), cfg, 10 + cfg.news2.windowMs + 1).raise).toBeUndefined()
  })

  it('clears an active alarm when the score falls below both bands', () => {
    const mem: News2Mem = {}
    rememberNews2(mem, { ts: 0, fields: { rr: 16, hr: 72, temp: 36.8, spo2: 97, sbp: 130 } })
    expect(scoreNews2(fresh(mem, episode()), cfg, 0).clear).toBe(0)
  })
})

describe('inactivity', () => {
  it('activity is motion or bed movement; it is kept as an input, written when it moved on by a minute', () => {
    expect(isActivity({ ts: 0, fields: { motion: 0, bed_movement: 0 } })).toBe(false)
    expect(isActivity({ ts: 0, fields: { bed_movement: 2 } })).toBe(true)
    const first = onActivity({}, 1000, 'bed1')
    expect(first).toEqual({ input: { at: 1000, deviceId: 'bed1', savedAt: 1000 }, save: 'now' })
    const soon = onActivity(first.input, 1000 + ACTIVITY_SAVE_MS - 1, 'w1')
    expect(soon).toEqual({ input: { at: 1000 + ACTIVITY_SAVE_MS - 1, deviceId: 'w1', savedAt: 1000 }, save: 'memory' })
    expect(onActivity(soon.input, 1000 + ACTIVITY_SAVE_MS, 'w1').save).toBe('now')
    expect(onActivity({ at: 50 }, 40, 'bed1').input.at).toBe(50) // an older reading does not move it back
  })

  it('raises after 6 h quiet inside the daytime window, counted from its start; never at night', () => {
    const activity = { at: local(2), deviceId: 'bed1' }
    expect(checkInactivity(fresh(), activity, cfg, local(12, 59)).raise).toBeUndefined()
    expect(checkInactivity(fresh(), activity, cfg, local(13)).raise).toEqual({ severity: 'medium', at: local(13), deviceId: 'bed1', details: { lastActivityAt: local(2), quietForMs: 6 * HOUR, afterMs: 6 * HOUR } })
    expect(checkInactivity(fresh(), { at: local(15) }, cfg, local(23, 30)).raise).toBeUndefined()
    const active = fresh({}, episode({ details: { lastActivityAt: local(2) } }))
    expect(checkInactivity(active, activity, cfg, local(14))).toEqual({ mem: {} }) // already active: nothing new
    expect(checkInactivity(active, { at: local(14, 5) }, cfg, local(14, 10)).clear).toBe(local(14, 5)) // activity since: clears
  })
})

describe('night bed exit not back', () => {
  it('an exit at night is written at once and raises after 30 min; back in bed clears', () => {
    const inBed = onBedOccupancy({}, cfg, local(23), true, 'bed1')
    expect(onBedOccupancy(inBed.input, cfg, local(23, 5), true, 'bed1').save).toBe('memory') // no change of occupancy
    const out = onBedOccupancy(inBed.input, cfg, local(23, 10), false, 'bed1')
    expect(out).toEqual({ input: { at: local(23, 10), occupied: false, exitAt: local(23, 10), deviceId: 'bed1' }, save: 'now' })
    expect(checkBedNotBack(fresh(), out.input, cfg, local(23, 39)).raise).toBeUndefined()
    expect(checkBedNotBack(fresh(), out.input, cfg, local(23, 40)).raise).toMatchObject({ at: local(23, 40), deviceId: 'bed1', details: { exitAt: local(23, 10) } })
    const back = onBedOccupancy(out.input, cfg, local(23, 50), true, 'bed1')
    expect(back).toMatchObject({ input: { occupied: true }, save: 'now' })
    expect(checkBedNotBack(fresh({}, episode({ details: { exitAt: local(23, 10) } })), back.input, cfg, local(23, 55)).clear).toBe(local(23, 50))
  })

  it('a daytime exit is not remembered', () => {
    expect(onBedOccupancy({ occupied: true }, cfg, local(10), false, 'bed1').input.exitAt).toBeUndefined()
  })
})

describe('device health and silence', () => {
  it('no data for 24 h raises once; a device seen again clears', () => {
    expect(checkNoData(fresh(), cfg, 24 * HOUR, 0).raise).toEqual({ severity: 'low', at: 24 * HOUR, details: { lastDataAt: 0, afterMs: 24 * HOUR } })
    expect(checkNoData(fresh({}, episode()), cfg, 24 * HOUR, 0).raise).toBeUndefined()
    expect(checkNoData(fresh({}, episode()), cfg, 25 * HOUR, 25 * HOUR).clear).toBe(25 * HOUR)
  })

  it('[P-1.6] offline past the grace period raises, back online clears', () => {
    const d = { id: 'f1', type: 'fall_detector', online: false, lastSeen: 0 }
    expect(checkDeviceOffline(fresh(), cfg, 10 * MIN - 1, d).raise).toBeUndefined()
    expect(checkDeviceOffline(fresh(), cfg, 10 * MIN, d).raise).toMatchObject({ at: 10 * MIN, deviceId: 'f1', details: { deviceType: 'fall_detector' } })
    expect(checkDeviceOffline(fresh({}, episode()), cfg, 20 * MIN, { ...d, online: true }).clear).toBe(20 * MIN)
  })

  it('[P-3.2] a missed periodic test raises at interval + grace; a new test clears', () => {
    expect(checkMissedTest(fresh(), cfg, 25 * HOUR - 1, 'f1', 0).raise).toBeUndefined()
    expect(checkMissedTest(fresh(), cfg, 25 * HOUR, 'f1', 0).raise).toMatchObject({ at: 25 * HOUR, deviceId: 'f1' })
    expect(checkMissedTest(fresh({}, episode()), cfg, 26 * HOUR, 'f1', 26 * HOUR).clear).toBe(26 * HOUR)
  })

  it('[P-3.4] battery below 20 % raises, between the bounds holds, at 30 % clears; an event raises', () => {
    expect(onBattery(fresh(), cfg, 15, 1).raise).toMatchObject({ details: { source: 'status', battery: 15, threshold: 20 } })
    expect(onBattery(fresh({}, episode()), cfg, 25, 2)).toEqual({ mem: {} })
    expect(onBattery(fresh({}, episode()), cfg, 30, 3).clear).toBe(3)
    expect(onBattery(fresh(), cfg, null, 4).raise).toMatchObject({ details: { source: 'event' } })
  })
})

describe('episodes', () => {
  it('a repeat updates the episode; a rise in severity starts a new one from the time it rose', () => {
    const first = applyTrigger(fresh(), { severity: 'medium', at: 10, deviceId: 'w1', details: { score: 5 } })
    expect(first.kind).toBe('new')
    const again = applyTrigger(first.state, { severity: 'low', at: 20, deviceId: 'w1', details: { score: 4 } })
    expect(again).toEqual({ kind: 'repeat', state: { mem: {}, active: { start: 10, severity: 'medium', deviceId: 'w1', lastAt: 20, repeats: 1, details: { score: 4 } } } })
    const rise = applyTrigger(again.state, { severity: 'high', at: 30, deviceId: 'w1', details: { score: 8 } })
    expect(rise).toMatchObject({ kind: 'new', episode: { start: 30, severity: 'high' }, prev: { start: 10 } })
    expect(episodeMsgId('news2', 'r1', 30)).toBe('derived:news2:r1:30')
  })
})
