/** No data: none of the resident's devices seen for `afterMs` (a reading, a status or a connection). Pure. */
import type { DetectionSettings } from '@eldercare/protocols'
import type { RuleState, RuleStep } from '../types.ts'

/** The clock's check at `now`, given when any of the resident's devices was last seen. */
export function checkNoData (st: RuleState, cfg: DetectionSettings, now: number, lastSeen: number): RuleStep {
  const c = cfg.no_data
  const keep = { mem: st.mem }
  if (c.enabled && now - lastSeen >= c.afterMs) {
    // the alarm names one of the resident's devices, chosen by the caller
    return st.active ? keep : { ...keep, raise: { severity: 'low', at: lastSeen + c.afterMs, details: { lastDataAt: lastSeen, afterMs: c.afterMs } } }
  }
  return st.active ? { ...keep, clear: now } : keep
}
