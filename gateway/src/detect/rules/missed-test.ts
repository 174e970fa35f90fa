/** [P-3.2] A device that sends periodic `test` events sent none for interval + grace; a test clears it. Pure. */
import type { DetectionSettings } from '@eldercare/protocols'
import type { RuleState, RuleStep } from '../types.ts'

/** The clock's check at `now`, given the device's last `test` event. */
export function checkMissedTest (st: RuleState, cfg: DetectionSettings, now: number, deviceId: string, lastTest: number): RuleStep {
  const c = cfg.missed_test
  const due = lastTest + c.intervalMs + c.graceMs
  const keep = { mem: st.mem }
  if (c.enabled && now >= due) return { ...keep, raise: { severity: 'low', at: due, deviceId, details: { lastTestAt: lastTest, intervalMs: c.intervalMs } } }
  return st.active && now < due ? { ...keep, clear: now } : keep
}
