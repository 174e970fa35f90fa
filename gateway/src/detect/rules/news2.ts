/**
 * NEWS2 (protocols/src/news2.ts) over the latest reading of each parameter within the window:
 * medium or high as the score says, cleared when it falls below both. Pure, but for the memory
 * of readings, which is updated in place.
 */
import { news2, NEWS2_PARAMETERS, type DetectionSettings, type News2Readings } from '@eldercare/protocols'
import type { RuleState, RuleStep, Sample } from '../types.ts'

/** The latest value of each NEWS2 parameter, with its time. */
export type News2Mem = Partial<Record<(typeof NEWS2_PARAMETERS)[number], { value: number, at: number }>>

/** Whether a sample carries any NEWS2 parameter. */
export function hasNews2 (s: Sample): boolean {
  for (const p of NEWS2_PARAMETERS) if (s.fields[p] !== undefined) return true
  return false
}

/**
 * Remembers the sample's parameters in `mem` itself, unless a later reading of one is already
 * remembered; true when anything changed. In place, not copied: the record lives as long as the
 * resident, and a copy per reading (10,000 a second) outlived the young generation and was
 * promoted, old-generation garbage a second later (issue 11: 40 % of what the main thread promoted).
 */
export function rememberNews2 (mem: News2Mem, s: Sample): boolean {
  let changed = false
  for (const p of NEWS2_PARAMETERS) {
    const v = s.fields[p]
    if (v === undefined) continue
    const r = mem[p]
    if (!r) mem[p] = { value: v, at: s.ts }
    else if (r.at <= s.ts) { r.value = v; r.at = s.ts } else continue
    changed = true
  }
  return changed
}

/** Scores the remembered readings at `ref` (the newest sample's time). */
export function scoreNews2 (st: RuleState<News2Mem>, cfg: DetectionSettings, ref: number): RuleStep<News2Mem> {
  const keep = { mem: st.mem }
  if (!cfg.news2.enabled) return st.active ? { ...keep, clear: ref } : keep
  const readings: News2Readings = {}
  for (const p of NEWS2_PARAMETERS) {
    const r = st.mem[p]
    if (r && ref - r.at <= cfg.news2.windowMs) readings[p] = r.value
  }
  if (Object.keys(readings).length < cfg.news2.minParameters) return keep
  const result = news2(readings)
  if (!result.severity) return st.active ? { ...keep, clear: ref } : keep
  return {
    ...keep,
    raise: {
      severity: result.severity,
      at: ref,
      details: { score: result.score, risk: result.risk, parameters: result.parameters, missing: result.missing, consciousness: 'assumed_alert' }
    }
  }
}
