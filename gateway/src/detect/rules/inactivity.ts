/**
 * Inactivity: no motion and no bed movement for `afterMs`, counted only inside the resident's
 * daytime window (local time). Activity is fed as readings arrive; the check runs on the clock.
 * Pure.
 */
import { clockMinutes, inLocalWindow, localMinutes, type DetectionSettings } from '@eldercare/protocols'
import type { RuleState, RuleStep, Sample } from '../types.ts'

export interface InactivityMem {
  /** epoch ms of the latest motion or bed movement */
  lastActivity?: number
  /** the device that reported it (the alarm names it) */
  deviceId?: string
}

/** Motion, or any bed movement. */
export function isActivity (s: Sample): boolean {
  return (s.fields.motion ?? 0) > 0 || (s.fields.bed_movement ?? 0) > 0
}

/** Activity seen at `ts`: remembered, and an active inactivity alarm clears. */
export function onActivity (st: RuleState<InactivityMem>, ts: number, deviceId: string): RuleStep<InactivityMem> {
  const lastActivity = st.mem.lastActivity !== undefined && st.mem.lastActivity >= ts ? st.mem.lastActivity : ts
  return { mem: { lastActivity, deviceId }, save: 'memory', clear: st.active ? ts : undefined }
}

/** The clock's check at `now`. */
export function checkInactivity (st: RuleState<InactivityMem>, cfg: DetectionSettings, now: number): RuleStep<InactivityMem> {
  const keep = { mem: st.mem }
  const c = cfg.inactivity
  const last = st.mem.lastActivity
  if (last === undefined) return keep
  if (!c.enabled) return st.active ? { ...keep, clear: now } : keep
  const minutes = localMinutes(now, cfg.timeZone)
  if (!inLocalWindow(minutes, c.dayStart, c.dayEnd) || st.active) return keep
  // only inactivity inside today's daytime window counts
  const sinceStartMin = (minutes - clockMinutes(c.dayStart) + 1440) % 1440
  const windowStart = now - (now % 60_000) - sinceStartMin * 60_000
  const quietSince = Math.max(last, windowStart)
  if (now - quietSince < c.afterMs) return keep
  return { ...keep, raise: { severity: 'medium', at: quietSince + c.afterMs, deviceId: st.mem.deviceId, details: { lastActivityAt: last, quietForMs: now - quietSince, afterMs: c.afterMs } } }
}
