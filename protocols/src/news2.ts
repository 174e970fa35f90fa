/**
 * NEWS2 — National Early Warning Score 2 (Royal College of Physicians, 2017), as a pure function.
 *
 * NEWS2 was validated on adults in hospitals. Here it is an early-warning aid on readings from
 * home and facility devices, never a diagnosis. Devices cannot measure consciousness (ACVPU), so it
 * is scored as Alert (0), and supplemental oxygen is unknown, so it is scored as air (0) and SpO2
 * uses scale 1. Parameters without a reading are left out of the aggregate and listed as missing.
 */

export const NEWS2_PARAMETERS = ['rr', 'spo2', 'sbp', 'hr', 'temp'] as const
export type News2Parameter = (typeof NEWS2_PARAMETERS)[number]

export type News2Readings = Partial<Record<News2Parameter, number>>

/** RCP clinical risk: low 0–4, low-medium when one parameter scores 3, medium 5–6, high ≥ 7. */
export type News2Risk = 'low' | 'low-medium' | 'medium' | 'high'

export interface News2Result {
  /** aggregate score of the parameters present */
  score: number
  /** score of each parameter present, with the value scored (rounded as the chart reads it) */
  parameters: Partial<Record<News2Parameter, { value: number, score: number }>>
  missing: News2Parameter[]
  risk: News2Risk
  /** derived-alarm severity: 'high' at ≥ 7, 'medium' at 5–6 or a single parameter scoring 3, else null */
  severity: 'high' | 'medium' | null
}

/** The chart's bands, each `[upper bound inclusive, score]`, the last one open-ended. */
const BANDS: Record<News2Parameter, ReadonlyArray<readonly [number, number]>> = {
  // respiration rate, breaths/min: ≤8 3 | 9–11 1 | 12–20 0 | 21–24 2 | ≥25 3
  rr: [[8, 3], [11, 1], [20, 0], [24, 2], [Infinity, 3]],
  // SpO2 scale 1, %: ≤91 3 | 92–93 2 | 94–95 1 | ≥96 0
  spo2: [[91, 3], [93, 2], [95, 1], [Infinity, 0]],
  // systolic BP, mmHg: ≤90 3 | 91–100 2 | 101–110 1 | 111–219 0 | ≥220 3
  sbp: [[90, 3], [100, 2], [110, 1], [219, 0], [Infinity, 3]],
  // pulse, /min: ≤40 3 | 41–50 1 | 51–90 0 | 91–110 1 | 111–130 2 | ≥131 3
  hr: [[40, 3], [50, 1], [90, 0], [110, 1], [130, 2], [Infinity, 3]],
  // temperature, °C (one decimal): ≤35.0 3 | 35.1–36.0 1 | 36.1–38.0 0 | 38.1–39.0 1 | ≥39.1 2
  temp: [[35.0, 3], [36.0, 1], [38.0, 0], [39.0, 1], [Infinity, 2]]
}

/** The chart reads whole numbers, and temperature to one decimal; device values are rounded so. */
function chartValue (p: News2Parameter, v: number): number {
  return p === 'temp' ? Math.round(v * 10) / 10 : Math.round(v)
}

/** Score of one parameter on the published chart. */
export function news2ParameterScore (p: News2Parameter, value: number): number {
  const v = chartValue(p, value)
  for (const [upper, score] of BANDS[p]) if (v <= upper) return score
  return 0
}

export function news2 (readings: News2Readings): News2Result {
  const parameters: News2Result['parameters'] = {}
  const missing: News2Parameter[] = []
  let score = 0
  let single3 = false
  for (const p of NEWS2_PARAMETERS) {
    const v = readings[p]
    if (v === undefined || !Number.isFinite(v)) { missing.push(p); continue }
    const s = news2ParameterScore(p, v)
    parameters[p] = { value: chartValue(p, v), score: s }
    score += s
    if (s === 3) single3 = true
  }
  const risk: News2Risk = score >= 7 ? 'high' : score >= 5 ? 'medium' : single3 ? 'low-medium' : 'low'
  const severity = risk === 'high' ? 'high' : risk === 'low' ? null : 'medium'
  return { score, parameters, missing, risk, severity }
}
