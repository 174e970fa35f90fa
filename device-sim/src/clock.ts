/**
 * Simulated time. Behaviour (circadian rhythm, nights, rates per day) follows the simulated
 * clock, which runs `speed` times faster than the wall clock, so a night can be played in
 * minutes. Messages still carry the real time of sending in `ts`, so the gateway never
 * marks them as clock-skewed [P-2.3].
 */
export class SimClock {
  private readonly wallStart: number

  constructor (
    /** simulated time at the start, epoch ms */
    readonly simStartMs: number,
    /** simulated ms per wall ms (1 = real time) */
    readonly speed: number,
    private readonly wallNow: () => number = Date.now
  ) {
    if (!(speed > 0)) throw new RangeError('speed must be > 0')
    this.wallStart = wallNow()
  }

  /** Simulated now, epoch ms. */
  now (): number {
    return this.simStartMs + (this.wallNow() - this.wallStart) * this.speed
  }

  /** Simulated ms since the start. */
  elapsed (): number {
    return this.now() - this.simStartMs
  }

  /** Wall-clock delay for a simulated delay. */
  wallDelay (simMs: number): number {
    return Math.max(0, simMs / this.speed)
  }
}

/** The longest delay setTimeout honours, in ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1

/** Timers in simulated time that can all be cancelled at once; none keeps the process alive on its own. */
export class SimTimers {
  private readonly pending = new Set<NodeJS.Timeout>()
  private stopped = false

  constructor (private readonly clock: SimClock) {}

  after (simMs: number, fn: () => void): void {
    this.afterWall(this.clock.wallDelay(simMs), fn)
  }

  private afterWall (wallMs: number, fn: () => void): void {
    if (this.stopped || !Number.isFinite(wallMs)) return
    // setTimeout fires at once for delays beyond 2^31-1 ms (≈ 24.8 days), which a rare event's
    // Poisson draw easily reaches: wait in steps instead
    const step = Math.min(wallMs, MAX_TIMER_MS)
    const t = setTimeout(() => {
      this.pending.delete(t)
      if (this.stopped) return
      if (wallMs > step) this.afterWall(wallMs - step, fn)
      else fn()
    }, step)
    t.unref()
    this.pending.add(t)
  }

  /** Calls `fn` every `simMs` (the first call after a random phase in [0, simMs) drawn by `phase`). */
  every (simMs: number, phase: number, fn: () => void): void {
    const tick = () => { fn(); this.after(simMs, tick) }
    this.after(phase * simMs, tick)
  }

  /** A Poisson process: `fn` at exponentially distributed intervals with mean `meanSimMs` (none when Infinity). */
  poisson (meanSimMs: number, draw: (mean: number) => number, fn: () => void): void {
    if (!Number.isFinite(meanSimMs) || meanSimMs <= 0) return
    const next = () => this.after(draw(meanSimMs), () => { fn(); next() })
    next()
  }

  stop (): void {
    this.stopped = true
    for (const t of this.pending) clearTimeout(t)
    this.pending.clear()
  }
}

export const DAY_MS = 24 * 3600_000

/** Hour of day (0–24, fractional) of an epoch-ms time, in local time. */
export function hourOf (t: number): number {
  const d = new Date(t)
  return d.getHours() + d.getMinutes() / 60 + d.getSeconds() / 3600
}
