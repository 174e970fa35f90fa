/**
 * Seeded randomness: every random choice of a run, scenario or load test draws from an
 * `Rng`, so one seed repeats the same traffic. mulberry32 is small, fast and good enough
 * for simulation (not for secrets). `fork(label)` derives an independent stream per device,
 * so a device's choices do not depend on how timers of other devices interleave.
 */

/** FNV-1a, 32 bit: turns a label into a seed. */
export function hash32 (text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

export class Rng {
  private state: number

  constructor (readonly seed: number) {
    this.state = seed >>> 0
  }

  /** Uniform in [0, 1). */
  next (): number {
    // mulberry32 (Tommy Ettinger, public domain)
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** A bound function, for APIs that take `() => number`. */
  get random (): () => number {
    return () => this.next()
  }

  /** Integer in [min, max]. */
  int (min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  /** Uniform in [min, max). */
  between (min: number, max: number): number {
    return min + this.next() * (max - min)
  }

  chance (p: number): boolean {
    return this.next() < p
  }

  pick<T> (items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list')
    return items[Math.floor(this.next() * items.length)]
  }

  /** Standard normal (Box–Muller). */
  normal (mean = 0, sd = 1): number {
    const u = 1 - this.next()
    const v = this.next()
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }

  /** Exponential inter-arrival time with the given mean (a Poisson process). */
  exp (mean: number): number {
    return -Math.log(1 - this.next()) * mean
  }

  /** An independent stream named `label`, derived from this stream's seed (not its position). */
  fork (label: string): Rng {
    return new Rng(hash32(`${this.seed}:${label}`))
  }
}
