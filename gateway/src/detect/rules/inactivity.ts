/**
 * Inactivity: no motion and no bed movement for `afterMs`, counted only inside the resident's
 * daytime window (local time). Activity is an input any gateway feeds as readings arrive
 * (`input:activity`); the check runs on the clock, in the one process holding the clock lease.
 * Pure.
 */
import { clockMinutes, inLocalWindow, localMinutes, type DetectionSettings } from '@eldercare/protocols'
import type { InputStep, RuleState, RuleStep, Sample } from '../types.ts'

export const ACTIVITY_INPUT = 'input:activity'

/**
 * How far the last activity must move on before it is written for the clock's owner: an alarm
 * raised from another gateway's view of it can come at most this much early (against hours).
 */
export const ACTIVITY_SAVE_MS = 60_000

export interface ActivityInput {
  /** epoch ms of the latest motion or bed movement */
  at?: number
  /** the device that reported it (the alarm names it) */
  deviceId?: string
  /** the `at` last written */
  savedAt?: number
}

/** Motion, or any bed movement. */
export function isActivity (s: Sample): boolean {
  return (s.fields.motion ?? 0) > 0 || (s.fields.bed_movement ?? 0) > 0
}

/** Activity seen at `ts`. (An active alarm clears: `checkInactivity`, or at once where the clock runs.) */
export function onActivity (input: ActivityInput, ts: number, deviceId: string): InputStep<ActivityInput> {
  const at = input.at !== undefined && input.at >= ts ? input.at : ts
  const save = input.savedAt === undefined || at - input.savedAt >= ACTIVITY_SAVE_MS
  return { input: { at, deviceId, savedAt: save ? at : input.savedAt }, save: save ? 'now' : 'memory' }
}

/** The clock's check at `now`. */
export function checkInactivity (st: RuleState, activity: ActivityInput | undefined, cfg: DetectionSettings, now: number): RuleStep {
  const keep = { mem: st.mem }
  const c = cfg.inactivity
  const last = activity?.at
  if (last === undefined) return keep
  // activity since the alarm was raised ends it
  if (st.active && last > Number(st.active.details.lastActivityAt ?? -Infinity)) return { ...keep, clear: last }
  if (!c.enabled) return st.active ? { ...keep, clear: now } : keep
  const minutes = localMinutes(now, cfg.timeZone)
  if (!inLocalWindow(minutes, c.dayStart, c.dayEnd) || st.active) return keep
  // only inactivity inside today's daytime window counts
  const sinceStartMin = (minutes - clockMinutes(c.dayStart) + 1440) % 1440
  const windowStart = now - (now % 60_000) - sinceStartMin * 60_000
  const quietSince = Math.max(last, windowStart)
  if (now - quietSince < c.afterMs) return keep
  return { ...keep, raise: { severity: 'medium', at: quietSince + c.afterMs, deviceId: activity?.deviceId, details: { lastActivityAt: last, quietForMs: now - quietSince, afterMs: c.afterMs } } }
}
