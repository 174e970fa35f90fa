/** [P-1.6] An alarm-critical device offline past its grace period; back online clears it. Pure. */
import type { DetectionSettings } from '@eldercare/protocols'
import type { RuleState, RuleStep } from '../types.ts'

export interface DeviceSeen { id: string, type: string, online: boolean, lastSeen: number }

/** The clock's check at `now` for one device of an alarm-critical type. */
export function checkDeviceOffline (st: RuleState, cfg: DetectionSettings, now: number, d: DeviceSeen): RuleStep {
  const c = cfg.device_offline
  const keep = { mem: st.mem }
  if (c.enabled && !d.online && now - d.lastSeen >= c.graceMs) {
    return { ...keep, raise: { severity: 'low', at: d.lastSeen + c.graceMs, deviceId: d.id, details: { deviceType: d.type, offlineSince: d.lastSeen, graceMs: c.graceMs } } }
  }
  return st.active && (d.online || !c.enabled) ? { ...keep, clear: now } : keep
}
