/**
 * Vital-sign thresholds with duration (hr_high, hr_low, spo2_low, temp_high): the condition must
 * hold for `durationMs` over readings no further apart than `maxGapMs`; a reading back inside
 * clears it. Pure: state and reading in, step out.
 */
import type { DerivedSeverity, DetectionSettings } from '@eldercare/protocols'
import type { RuleState, RuleStep } from '../types.ts'

export type ThresholdRule = 'hr_high' | 'hr_low' | 'spo2_low' | 'temp_high'

/** Vital, direction, and the value beyond which the alarm is 'high' severity rather than 'medium'. */
export const THRESHOLDS: Record<ThresholdRule, { vital: 'hr' | 'spo2' | 'temp', above: boolean, critical: number }> = {
  hr_high: { vital: 'hr', above: true, critical: 150 },
  hr_low: { vital: 'hr', above: false, critical: 30 },
  spo2_low: { vital: 'spo2', above: false, critical: 85 },
  temp_high: { vital: 'temp', above: true, critical: 40 }
}
export const THRESHOLD_RULES = Object.keys(THRESHOLDS) as ThresholdRule[]

export interface ThresholdMem {
  /** epoch ms the condition began to hold (pending) */
  since?: number
  /** the last reading that held */
  lastTs?: number
}

/** One reading of the rule's vital at `ts`. */
export function threshold (rule: ThresholdRule, st: RuleState<ThresholdMem>, cfg: DetectionSettings, ts: number, value: number, maxGapMs: number): RuleStep<ThresholdMem> {
  const c = cfg[rule]
  const t = THRESHOLDS[rule]
  const holds = c.enabled && (t.above ? (rule === 'temp_high' ? value >= c.value : value > c.value) : value < c.value)
  if (!holds) {
    const wasPending = st.mem.since !== undefined
    return { mem: wasPending ? {} : st.mem, save: wasPending ? 'now' : undefined, clear: st.active ? ts : undefined }
  }
  const since = st.mem.since === undefined || ts - (st.mem.lastTs ?? ts) > maxGapMs ? ts : st.mem.since
  const mem = { since, lastTs: ts }
  const save = since !== st.mem.since ? 'now' : 'memory'
  const heldMs = ts - since
  if (heldMs < c.durationMs) return { mem, save }
  const severity: DerivedSeverity = (t.above ? value >= t.critical : value <= t.critical) ? 'high' : 'medium'
  return { mem, save, raise: { severity, at: ts, details: { vital: t.vital, value, threshold: c.value, durationMs: heldMs } } }
}
