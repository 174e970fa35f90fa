/**
 * Night bed exit not back: out of bed (occupied 1 → 0) inside the night window and not back
 * within `afterMs`. Occupancy is an input any gateway feeds as readings arrive (`input:bed`);
 * the check runs on the clock, in the one process holding the clock lease. Pure.
 */
import { inLocalWindow, localMinutes, type DetectionSettings } from '@eldercare/protocols'
import type { InputStep, RuleState, RuleStep } from '../types.ts'

export const BED_INPUT = 'input:bed'

export interface BedInput {
  /** epoch ms of the latest occupancy reading */
  at?: number
  occupied?: boolean
  /** epoch ms of a night exit not yet followed by a return */
  exitAt?: number
  deviceId?: string
}

/** A bed_occupied reading at `ts`; a change of occupancy is written at once. */
export function onBedOccupancy (input: BedInput, cfg: DetectionSettings, ts: number, occupied: boolean, deviceId: string): InputStep<BedInput> {
  const c = cfg.bed_exit_not_back
  const was = input.occupied
  const next: BedInput = { ...input, at: Math.max(input.at ?? ts, ts), occupied, deviceId }
  if (occupied) delete next.exitAt
  else if (was === true && c.enabled && inLocalWindow(localMinutes(ts, cfg.timeZone), c.nightStart, c.nightEnd)) next.exitAt = ts
  return { input: next, save: was === occupied ? 'memory' : 'now' }
}

/** The clock's check at `now`. */
export function checkBedNotBack (st: RuleState, bed: BedInput | undefined, cfg: DetectionSettings, now: number): RuleStep {
  const keep = { mem: st.mem }
  if (!bed) return keep
  // back in bed (or a later exit than the one alarmed) ends the episode
  if (st.active && (bed.occupied || bed.exitAt !== st.active.details.exitAt)) return { ...keep, clear: bed.at ?? now }
  const c = cfg.bed_exit_not_back
  const exitAt = bed.exitAt
  if (exitAt === undefined || st.active || !c.enabled || now - exitAt < c.afterMs) return keep
  return { ...keep, raise: { severity: 'medium', at: exitAt + c.afterMs, deviceId: bed.deviceId, details: { exitAt, afterMs: c.afterMs } } }
}
