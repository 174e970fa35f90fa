/** [P-3.4] Battery below the threshold from `status`, or a `low_battery` event [P-3.2]; cleared above the upper bound. Pure. */
import type { DetectionSettings } from '@eldercare/protocols'
import type { RuleState, RuleStep } from '../types.ts'

/** A battery level (percent), or null for a `low_battery` event. */
export function onBattery (st: RuleState, cfg: DetectionSettings, percent: number | null, at: number): RuleStep {
  const c = cfg.low_battery
  const keep = { mem: st.mem }
  if (percent === null || (c.enabled && percent < c.belowPercent)) {
    if (!c.enabled) return keep
    return { ...keep, raise: { severity: 'low', at, details: percent === null ? { source: 'event' } : { source: 'status', battery: percent, threshold: c.belowPercent } } }
  }
  return st.active && (percent >= c.clearAbovePercent || !c.enabled) ? { ...keep, clear: at } : keep
}
