/**
 * Plausible readings for one resident: a personal baseline, a circadian rhythm (lower heart
 * rate and temperature before dawn), noise, sleep at night, and occasional deterioration
 * episodes (an infection: faster heart and breathing, lower SpO2, fever) that ramp up and
 * back down. Pure functions of the time and a seeded Rng.
 */
import type { Vitals } from '@eldercare/protocols'
import { hourOf } from './clock.ts'
import type { Rng } from './prng.ts'

export interface ResidentProfile {
  hr: number
  spo2: number
  rr: number
  temp: number
  sbp: number
  dbp: number
  /** hour of day the resident goes to bed, e.g. 21.5 */
  bedtime: number
  /** hour of day the resident gets up, e.g. 6.5 */
  wake: number
  stepsPerDay: number
}

export function drawProfile (rng: Rng): ResidentProfile {
  return {
    hr: Math.round(rng.between(60, 84)),
    spo2: Math.round(rng.between(94, 98.5)),
    rr: Math.round(rng.between(13, 18)),
    temp: Math.round(rng.between(36.2, 36.9) * 10) / 10,
    sbp: Math.round(rng.between(115, 150)),
    dbp: Math.round(rng.between(68, 90)),
    bedtime: rng.between(20.5, 22.5),
    wake: rng.between(5.5, 7.5),
    stepsPerDay: Math.round(rng.between(800, 5000))
  }
}

/** An episode of deterioration: severity rises to `peak` (0–1) over the first third, then falls. */
export interface Episode { startMs: number, endMs: number, peak: number }

export function drawEpisode (rng: Rng, startMs: number): Episode {
  return { startMs, endMs: startMs + rng.between(2, 8) * 3600_000, peak: rng.between(0.4, 1) }
}

export function severityAt (e: Episode | null, t: number): number {
  if (!e || t < e.startMs || t >= e.endMs) return 0
  const x = (t - e.startMs) / (e.endMs - e.startMs)
  return e.peak * (x < 1 / 3 ? x * 3 : (1 - x) * 1.5)
}

export function isAsleep (p: ResidentProfile, t: number): boolean {
  const h = hourOf(t)
  return p.bedtime > p.wake ? h >= p.bedtime || h < p.wake : h >= p.bedtime && h < p.wake
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v))
const round1 = (v: number) => Math.round(v * 10) / 10

/** Wearable vitals at simulated time `t` (always inside the protocol's valid ranges [P-3.1]). */
export function residentVitals (p: ResidentProfile, t: number, rng: Rng, episode: Episode | null): Vitals {
  const circadian = Math.sin(((hourOf(t) - 9) / 24) * 2 * Math.PI) // highest mid-afternoon, lowest before dawn
  const asleep = isAsleep(p, t) ? 1 : 0
  const s = severityAt(episode, t)
  return {
    hr: Math.round(clamp(p.hr + 6 * circadian - 5 * asleep + 30 * s + rng.normal(0, 2.5), 35, 200)),
    spo2: Math.round(clamp(p.spo2 - 8 * s + rng.normal(0, 0.8), 70, 100)),
    rr: Math.round(clamp(p.rr + circadian - asleep + 10 * s + rng.normal(0, 1), 6, 45)),
    temp: round1(clamp(p.temp + 0.3 * circadian + 1.8 * s + rng.normal(0, 0.08), 34, 41.5))
  }
}

/** A cuff reading: blood pressure and pulse. */
export function bloodPressure (p: ResidentProfile, t: number, rng: Rng, episode: Episode | null): Vitals {
  const s = severityAt(episode, t)
  return {
    sbp: Math.round(clamp(p.sbp + rng.normal(0, 6) - 15 * s, 80, 220)),
    dbp: Math.round(clamp(p.dbp + rng.normal(0, 4) - 8 * s, 45, 130)),
    hr: Math.round(clamp(p.hr + rng.normal(0, 3) + 25 * s, 35, 200))
  }
}
