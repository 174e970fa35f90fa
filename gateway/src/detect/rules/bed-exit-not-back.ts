/**
 * Night bed exit not back: out of bed (occupied 1 → 0) inside the night window and not back
 * within `afterMs`. Occupancy is fed as readings arrive; the check runs on the clock. Pure.
 */
import { inLocalWindow, localMinutes, type DetectionSettings } from '@eldercare/protocols'
import type { RuleState, RuleStep } from '../types.ts'

export interface BedMem {
  occupied?: boolean
  /** epoch ms of a night exit not yet followed by a return */
  exitAt?: number
  deviceId?: string
}

/** A bed_occupied reading at `ts`. */
export function onBedOccupancy (st: RuleState<BedMem>, cfg: DetectionSettings, ts: number, occupied: boolean, deviceId: string): RuleStep<BedMem> {
  const c = cfg.bed_exit_not_back
  const was = st.mem.occupied
  const mem: BedMem = { ...st.mem, occupied, deviceId }
  if (occupied) {
    delete mem.exitAt
    return { mem, save: was === occupied ? 'memory' : 'now', clear: st.active ? ts : undefined }
  }
  if (was === true && c.enabled && inLocalWindow(localMinutes(ts, cfg.timeZone), c.nightStart, c.nightEnd)) mem.exitAt = ts
  return { mem, save: was === occupied ? 'memory' : 'now' }
}

/** The clock's check at `now`. */
export function checkBedNotBack (st: RuleState<BedMem>, cfg: DetectionSettings, now: number): RuleStep<BedMem> {
  const c = cfg.bed_exit_not_back
  const exitAt = st.mem.exitAt
  if (exitAt === undefined || st.active || !c.enabled || now - exitAt < c.afterMs) return { mem: st.mem }
  return { mem: st.mem, raise: { severity: 'medium', at: exitAt + c.afterMs, deviceId: st.mem.deviceId, details: { exitAt, afterMs: c.afterMs } } }
}
