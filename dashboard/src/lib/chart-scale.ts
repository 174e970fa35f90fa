/** Pure geometry for the small SVG charts: linear scales, a padded value range, an SVG path. */

export interface ChartPoint {
  /** Epoch milliseconds. */
  t: number
  value: number
  /** The band around `value` (min/max of the bucket), when known. */
  low?: number
  high?: number
}

/** A linear map from [d0, d1] to [r0, r1]; a flat domain maps to the middle of the range. */
export function linearScale (d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  if (d1 === d0) return () => (r0 + r1) / 2
  const k = (r1 - r0) / (d1 - d0)
  return (v) => r0 + (v - d0) * k
}

/**
 * The values' extent with 10 % headroom each side, so a line never sits on the frame; null when
 * empty. `limits` keeps the headroom inside what the quantity can be (no SpO2 axis above 100 %).
 */
export function paddedExtent (points: readonly ChartPoint[], limits?: readonly [number, number]): [number, number] | null {
  let lo = Infinity
  let hi = -Infinity
  for (const p of points) {
    lo = Math.min(lo, p.low ?? p.value, p.value)
    hi = Math.max(hi, p.high ?? p.value, p.value)
  }
  if (!Number.isFinite(lo)) return null
  const pad = hi === lo ? Math.max(1, Math.abs(hi) * 0.1) : (hi - lo) * 0.1
  if (!limits) return [lo - pad, hi + pad]
  return [Math.max(limits[0], lo - pad), Math.min(limits[1], hi + pad)]
}

/**
 * An SVG path through the points; a gap longer than `maxGapMs` (no readings: device off, resident
 * away) breaks the line instead of drawing a false straight segment across it.
 */
export function linePath (points: readonly ChartPoint[], x: (t: number) => number, y: (v: number) => number, maxGapMs: number): string {
  let d = ''
  let prev: number | null = null
  for (const p of points) {
    const move = prev === null || p.t - prev > maxGapMs
    d += `${move ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(p.value).toFixed(1)}`
    prev = p.t
  }
  return d
}
